package dev.grpo.dataset;

/**
 * Which column of a generic JSONL or Parquet file holds what. A null component takes the default
 * column name ({@code id}, {@code prompt}, {@code answer}, {@code solution}, {@code tests}); only
 * the prompt column must exist, the others are read when present.
 *
 * <p>Examples: a Hugging Face GSM8K Parquet export is {@code {"prompt": "question", "answer":
 * "answer"}} with format {@code parquet}; an RL set in verl's layout is {@code {"prompt":
 * "problem", "answer": "reward_model.ground_truth"}} (a dot reaches into a struct column).
 */
public record FieldMapping(String id, String prompt, String answer, String solution, String tests) {

  public static final FieldMapping DEFAULT = new FieldMapping(null, null, null, null, null);

  public FieldMapping {
    id = orDefault(id, "id");
    prompt = orDefault(prompt, "prompt");
    answer = orDefault(answer, "answer");
    solution = orDefault(solution, "solution");
    tests = orDefault(tests, "tests");
  }

  private static String orDefault(String column, String fallback) {
    return column == null || column.isBlank() ? fallback : column.trim();
  }
}
