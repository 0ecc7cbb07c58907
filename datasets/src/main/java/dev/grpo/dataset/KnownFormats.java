package dev.grpo.dataset;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * The public benchmarks' own layouts, turned into records the rewards can check: the gold answer
 * for the math verifier, assert tests for the {@code code_execution} rule.
 */
final class KnownFormats {

  /** GSM8K's calculator annotations, e.g. {@code <<48/2=24>>}. */
  private static final Pattern CALCULATOR = Pattern.compile("<<[^<>]*>>");

  private KnownFormats() {}

  /** {@code question}; {@code answer} = worked solution, then a last line {@code #### n}. */
  static DatasetRecord gsm8k(JsonNode row, Columns.Row at) {
    String question = Columns.required(row, "question", at, "gsm8k");
    String answer = Columns.required(row, "answer", at, "gsm8k");
    int marker = answer.lastIndexOf("####");
    if (marker < 0) {
      throw new DatasetException(
          "data.path", "gsm8k row " + at.number() + ": the answer has no '#### n' line");
    }
    String gold = answer.substring(marker + 4).trim().replace(",", "");
    String worked = CALCULATOR.matcher(answer.substring(0, marker)).replaceAll("").strip();
    return DatasetRecord.math(idOr(row, "id", at), question, gold, worked);
  }

  /** {@code problem}, {@code solution}; the gold answer is the solution's last box. */
  static DatasetRecord math(JsonNode row, Columns.Row at) {
    String problem = Columns.required(row, "problem", at, "math");
    String solution = Columns.required(row, "solution", at, "math");
    String gold = Columns.text(row, "answer");
    if (gold == null) {
      gold = BoxedAnswer.last(solution);
    }
    if (gold == null || gold.isBlank()) {
      throw new DatasetException(
          "data.path", "math row " + at.number() + ": the solution has no \\boxed{} answer");
    }
    return DatasetRecord.math(idOr(row, "unique_id", at), problem, gold, solution);
  }

  /**
   * HumanEval: the model is shown the signature and docstring and writes the whole function; the
   * task's {@code check(candidate)} is run against the entry point.
   */
  static DatasetRecord humanEval(JsonNode row, Columns.Row at) {
    String id = Columns.required(row, "task_id", at, "humaneval");
    String stub = Columns.required(row, "prompt", at, "humaneval");
    String entryPoint = Columns.required(row, "entry_point", at, "humaneval");
    String test = Columns.required(row, "test", at, "humaneval");
    String canonical = Columns.text(row, "canonical_solution");
    String prompt =
        "Complete the following Python function. Give the whole function, with its imports, in"
            + " one ```python code block.\n\n```python\n"
            + stub
            + "```";
    String solution = canonical == null ? null : fenced(stub + canonical);
    return DatasetRecord.code(
        id, prompt, solution, List.of(test + "\n\ncheck(" + entryPoint + ")\n"));
  }

  /** MBPP: the task text and its tests (the usual MBPP prompt shows the asserts). */
  static DatasetRecord mbpp(JsonNode row, Columns.Row at) {
    String id = Columns.required(row, "task_id", at, "mbpp");
    String text = Columns.required(row, "text", at, "mbpp");
    List<String> tests = Columns.strings(row, "test_list");
    if (tests.isEmpty()) {
      throw new DatasetException("data.path", "mbpp row " + at.number() + " has no test_list");
    }
    String setup = Columns.text(row, "test_setup_code");
    List<String> asserts = new ArrayList<>();
    for (String t : tests) {
      asserts.add(setup == null || setup.isBlank() ? t : setup + "\n" + t);
    }
    String prompt =
        text
            + "\nYour code should pass these tests:\n\n"
            + String.join("\n", tests)
            + "\n\nGive the code in one ```python code block.";
    String code = Columns.text(row, "code");
    return DatasetRecord.code(id, prompt, code == null ? null : fenced(code), asserts);
  }

  private static String fenced(String code) {
    String body = code.replace("\r\n", "\n");
    return "```python\n" + body + (body.endsWith("\n") ? "" : "\n") + "```";
  }

  private static String idOr(JsonNode row, String column, Columns.Row at) {
    String id = Columns.text(row, column);
    return id == null || id.isBlank() ? "line-" + at.number() : id;
  }
}
