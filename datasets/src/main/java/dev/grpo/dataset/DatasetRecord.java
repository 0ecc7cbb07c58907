package dev.grpo.dataset;

import java.util.List;
import java.util.Map;

/**
 * One prompt read from a dataset file, with what the rewards check it against.
 *
 * @param id the item's key: the file's own id where it has one, else {@code line-N}
 * @param prompt the question as the model sees it (before any chat template)
 * @param answer the gold final answer for the math verifier; null for code tasks
 * @param solution a worked solution (for a cold-start SFT or distillation); null when absent
 * @param tests the code tests in the {@code code_execution} rule's {@code reference.tests} shape
 *     (each case {@code {"assert": "..."}}); empty for math tasks
 * @param testLanguage the language the tests run in ({@code python}); null without tests
 */
public record DatasetRecord(
    String id,
    String prompt,
    String answer,
    String solution,
    List<Map<String, Object>> tests,
    String testLanguage) {

  public DatasetRecord {
    tests = tests == null ? List.of() : List.copyOf(tests);
  }

  static DatasetRecord math(String id, String prompt, String answer, String solution) {
    return new DatasetRecord(id, prompt, answer, solution, List.of(), null);
  }

  static DatasetRecord code(String id, String prompt, String solution, List<String> asserts) {
    List<Map<String, Object>> cases =
        asserts.stream().map(a -> Map.<String, Object>of("assert", a)).toList();
    return new DatasetRecord(id, prompt, null, solution, cases, "python");
  }
}
