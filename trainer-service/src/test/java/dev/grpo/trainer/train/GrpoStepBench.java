package dev.grpo.trainer.train;

import ai.djl.Device;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.trainer.grpo.GrpoConfig;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.optim.LearningRateSchedule;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Times one GRPO update step ({@link GrpoTrainer#step} with β = 0, μ = 1: forward, loss, backward,
 * clipping, AdamW, zero grads) next to the same step in PyTorch ({@code
 * src/test/python/grpo_step_bench.py}), both on one thread, and prints a table with the ratio.
 *
 * <p>Shapes: 8 prompts × G 4 = 32 sequences, prompt 16 + completion 32 tokens; models tiny (hidden
 * 64) and h256 (hidden 256, 4 layers, 8 heads, 4 KV heads, intermediate 688), vocabulary 104, tied.
 *
 * <p>Run from the repository root with the test classpath and {@code -Dai.djl.pytorch.num_threads=1
 * -Dai.djl.pytorch.num_interop_threads=1}; args: [iterations] [python executable or "none"]. The
 * Python side needs an optimised BLAS to be a fair reference; see the docstring of the script.
 * Example:
 *
 * <pre>
 * ./mvnw -q -pl trainer-service -am test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * java -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 \
 *     -cp trainer-service/target/test-classes:trainer-service/target/classes:policy/target/classes:$(cat /tmp/cp.txt) \
 *     dev.grpo.trainer.train.GrpoStepBench 21
 * </pre>
 *
 * (put {@code policy/target/classes} before any installed policy jar of the classpath file).
 *
 * <p>Where the time goes (h256, quiet machine): forward 124 ms vs PyTorch 129, backward 216 vs 216,
 * clipping + AdamW 39 vs 14 ms (AdamW makes about 14 elementwise passes per tensor where torch
 * fuses them into addcmul/addcdiv), zeroing 4 vs 1.5 ms.
 */
public final class GrpoStepBench {

  static final int PROMPTS = 8;
  static final int GROUP = 4;
  static final int PROMPT_LENGTH = 16;
  static final int COMPLETION_LENGTH = 32;

  static final Map<String, ModelConfig> MODELS = new LinkedHashMap<>();

  static {
    MODELS.put("tiny", ModelConfig.tiny());
    MODELS.put(
        "h256",
        new ModelConfig(
            "llama", 256, 688, 4, 8, 4, 32, 104, 512, 1e-6, 10000.0, true, false, false));
  }

  private GrpoStepBench() {}

  public static void main(String[] args) throws Exception {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    String python = args.length > 1 ? args[1] : "/usr/bin/python3";
    Map<String, double[]> java = new LinkedHashMap<>();
    for (Map.Entry<String, ModelConfig> e : MODELS.entrySet()) {
      java.put(e.getKey(), time(e.getValue(), iterations));
      System.out.printf(
          "java %s median_ms=%.2f min_ms=%.2f%n",
          e.getKey(), java.get(e.getKey())[0], java.get(e.getKey())[1]);
    }
    Map<String, double[]> torch = python.equals("none") ? Map.of() : pytorch(python, iterations);
    System.out.println();
    System.out.printf(
        "GRPO step, batch %dx%d, prompt %d + completion %d tokens, 1 thread, %d timed steps%n",
        PROMPTS, GROUP, PROMPT_LENGTH, COMPLETION_LENGTH, iterations);
    System.out.println("| model | params | Java median ms | PyTorch median ms | Java/PyTorch |");
    System.out.println("|---|---:|---:|---:|---:|");
    for (Map.Entry<String, double[]> e : java.entrySet()) {
      double[] t = torch.get(e.getKey());
      long params;
      try (DecoderModel m = DecoderModel.randomInit(MODELS.get(e.getKey()), 0, Device.cpu())) {
        params = m.parameters().values().stream().mapToLong(a -> a.getShape().size()).sum();
      }
      System.out.printf(
          "| %s | %d | %.2f | %s | %s |%n",
          e.getKey(),
          params,
          e.getValue()[0],
          t == null ? "-" : String.format("%.2f", t[0]),
          t == null ? "-" : String.format("%.2f", e.getValue()[0] / t[0]));
    }
  }

  /** Median and minimum milliseconds per step. */
  static double[] time(ModelConfig config, int iterations) {
    SplittableRandom random = new SplittableRandom(1);
    List<int[]> prompts = new ArrayList<>();
    List<int[]> completions = new ArrayList<>();
    double[] rewards = new double[PROMPTS * GROUP];
    for (int i = 0; i < PROMPTS; i++) {
      prompts.add(random.ints(PROMPT_LENGTH, 4, config.vocabSize()).toArray());
    }
    for (int i = 0; i < PROMPTS * GROUP; i++) {
      completions.add(random.ints(COMPLETION_LENGTH, 4, config.vocabSize()).toArray());
      rewards[i] = random.nextDouble();
    }
    RolloutBatch batch =
        new RolloutBatch(prompts, GROUP, completions, null, rewards, new boolean[PROMPTS * GROUP]);
    try (DecoderModel policy = DecoderModel.randomInit(config, 1, Device.cpu());
        AdamW optimizer =
            new AdamW(
                new AdamW.Config(1e-5, 0.9, 0.999, 1e-8, 0.0, 1.0),
                LearningRateSchedule.constant())) {
      GrpoTrainer trainer =
          new GrpoTrainer(
              policy,
              null,
              optimizer,
              new GrpoTrainer.Options(GrpoConfig.builder().build(), 1, 1f));
      for (int i = 0; i < 5; i++) {
        trainer.step(batch);
      }
      double[] ms = new double[iterations];
      for (int i = 0; i < iterations; i++) {
        long start = System.nanoTime();
        trainer.step(batch);
        ms[i] = (System.nanoTime() - start) / 1e6;
      }
      Arrays.sort(ms);
      double median =
          iterations % 2 == 1
              ? ms[iterations / 2]
              : (ms[iterations / 2 - 1] + ms[iterations / 2]) / 2;
      return new double[] {median, ms[0]};
    }
  }

  private static Map<String, double[]> pytorch(String python, int iterations) throws Exception {
    Path script = Path.of("trainer-service/src/test/python/grpo_step_bench.py");
    if (!Files.exists(script)) {
      script = Path.of("src/test/python/grpo_step_bench.py");
    }
    Process process =
        new ProcessBuilder(python, script.toString(), Integer.toString(iterations))
            .redirectErrorStream(true)
            .start();
    Map<String, double[]> out = new HashMap<>();
    Pattern line = Pattern.compile("(\\w+) params=\\d+ median_ms=([\\d.]+) min_ms=([\\d.]+)");
    try (BufferedReader reader =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String s;
      while ((s = reader.readLine()) != null) {
        System.out.println("torch " + s);
        Matcher m = line.matcher(s);
        if (m.find()) {
          out.put(
              m.group(1),
              new double[] {Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3))});
        }
      }
    }
    process.waitFor();
    return out;
  }
}
