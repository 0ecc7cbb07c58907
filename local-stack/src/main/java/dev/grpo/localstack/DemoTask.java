package dev.grpo.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The demo's task: sums of two two-digit numbers, every one of the 8,100 a distinct problem, with a
 * worked solution that adds digit by digit ({@code 47+38=} → {@code <think>\n7+8=15\n4+3+1=8\n
 * </think>\n<answer>\n85\n</answer>}). The demo writes them to a JSONL file and the run reads it
 * with a held-out fraction of {@link #EVAL_PROBLEMS}: since no problem occurs twice, no held-out
 * problem is ever trained on (neither in the cold start nor in RL), and solving one means putting
 * together single-digit facts seen in other problems.
 */
final class DemoTask {

  /** Problems of the held-out split. */
  static final int EVAL_PROBLEMS = 200;

  /** All problems: a and b from 10 to 99. */
  static final int PROBLEMS = 90 * 90;

  /** The value of {@code data.path} in the shipped spec that stands for the generated file. */
  static final String PLACEHOLDER = "{demo-task}";

  /** One problem. */
  record Problem(int a, int b) {
    String prompt() {
      return a + "+" + b + "=";
    }

    String answer() {
      return Integer.toString(a + b);
    }

    /** Ones first, then tens with the carry, then the answer. */
    String solution() {
      int ones = a % 10 + b % 10;
      int carry = ones / 10;
      int tens = a / 10 + b / 10 + carry;
      return "<think>\n%d+%d=%d\n%d+%d+%d=%d\n</think>\n<answer>\n%d\n</answer>"
          .formatted(a % 10, b % 10, ones, a / 10, b / 10, carry, tens, a + b);
    }
  }

  private DemoTask() {}

  /** All problems in a seeded order (the trainer splits them with the run's own seed). */
  static List<Problem> problems(long seed) {
    List<Problem> all = new ArrayList<>(PROBLEMS);
    for (int a = 10; a < 100; a++) {
      for (int b = 10; b < 100; b++) {
        all.add(new Problem(a, b));
      }
    }
    SplittableRandom random = new SplittableRandom(seed ^ 0xADD_2D16L);
    for (int i = all.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      Problem t = all.get(i);
      all.set(i, all.get(j));
      all.set(j, t);
    }
    return all;
  }

  /**
   * The spec with the task file in place of {@link #PLACEHOLDER} (written under {@code dir}), the
   * held-out fraction that makes {@link #EVAL_PROBLEMS} problems, and the seed when one is given. A
   * spec that reads other data is returned with only the seed changed.
   */
  static String prepare(String specJson, Path dir, Long seed, JsonMapper json) {
    ObjectNode spec = (ObjectNode) json.readTree(specJson);
    boolean generated =
        spec.path("data") instanceof ObjectNode data
            && PLACEHOLDER.equals(data.path("path").asString(""));
    if (seed == null && !generated) {
      return specJson;
    }
    if (seed != null) {
      spec.put("seed", seed);
    }
    if (generated) {
      long dataSeed = spec.path("seed").asLong(7);
      Path file = dir.resolve("demo-task-%d.jsonl".formatted(dataSeed)).toAbsolutePath();
      write(file, problems(dataSeed), json);
      ObjectNode data = (ObjectNode) spec.path("data");
      data.put("path", file.toString());
      data.put("evalFraction", (double) EVAL_PROBLEMS / PROBLEMS);
    }
    return json.writeValueAsString(spec);
  }

  private static void write(Path file, List<Problem> problems, JsonMapper json) {
    StringBuilder out = new StringBuilder();
    for (Problem p : problems) {
      ObjectNode line = json.createObjectNode();
      line.put("id", "add-%d-%d".formatted(p.a(), p.b()));
      line.put("prompt", p.prompt());
      line.put("answer", p.answer());
      line.put("solution", p.solution());
      out.append(json.writeValueAsString(line)).append('\n');
    }
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the demo's task to " + file, e);
    }
  }

  /** The line under the table that says how the held-out split was made. */
  static String splitLine(int evalItems, int trainItems) {
    return ("held out by problem: %d of the %d two-digit sums are evaluated and never trained on;"
            + " SFT and RL read only the other %d")
        .formatted(evalItems, evalItems + trainItems, trainItems);
  }
}
