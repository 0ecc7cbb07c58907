package dev.grpo.reward.math;

import dev.grpo.rule.RuleInput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Realistic traffic: MATH test solutions (long, LaTeX-heavy, written by people) taken as model
 * completions, each paired with its own last boxed answer as the gold.
 */
final class MathSolutions {

  static final String FILE = "shared/data/datasets/math/math_test_1000.jsonl";

  /** One problem's text, its full solution and the solution's last boxed answer. */
  record Pair(int line, String problem, String solution, String gold) {

    /** The solution as a completion to {@code math_accuracy}, against its own boxed answer. */
    RuleInput asRuleInput() {
      return new RuleInput(
          "i", problem, solution, new RuleInput.Reference(gold, null, null), null, null, null);
    }
  }

  private MathSolutions() {}

  /** The data file found by walking up from the working directory, or null when absent. */
  static Path locate() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve(FILE);
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  static List<Pair> read(Path file) throws IOException {
    JsonMapper json = JsonMapper.builder().build();
    List<Pair> pairs = new ArrayList<>();
    int line = 0;
    for (String text : Files.readAllLines(file)) {
      line++;
      if (text.isBlank()) {
        continue;
      }
      JsonNode row = json.readTree(text);
      String solution = row.get("solution").asString();
      List<BoxedContent.Box> boxes = BoxedContent.find(solution, Deadline.none());
      if (!boxes.isEmpty()) {
        String gold = boxes.get(boxes.size() - 1).content();
        pairs.add(new Pair(line, row.get("problem").asString(), solution, gold));
      }
    }
    return pairs;
  }
}
