package dev.grpo.dataset;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The file layouts a run spec can name in {@code data.format}. */
public enum DatasetFormat {
  /** GSM8K: {@code question}, {@code answer} whose last line is {@code #### n}. */
  GSM8K,
  /** MATH: {@code problem}, {@code solution}; the gold answer is the last {@code \boxed{}}. */
  MATH,
  /** HumanEval: {@code task_id, prompt, entry_point, canonical_solution, test}. */
  HUMANEVAL,
  /** MBPP: {@code task_id, text, code, test_list, test_setup_code}. */
  MBPP,
  /** Any JSON-lines file, read through a {@link FieldMapping}. */
  JSONL,
  /** Any Parquet file (Hugging Face datasets ship as Parquet), read through a field mapping. */
  PARQUET;

  /** The format a spec names, case-insensitively. */
  public static DatasetFormat parse(String name) {
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new DatasetException("data.format", "unknown format '" + name + "'; one of " + names());
    }
  }

  /** The names a spec may use, lower case. */
  public static String names() {
    return Arrays.stream(values())
        .map(f -> f.name().toLowerCase(Locale.ROOT))
        .collect(Collectors.joining(", "));
  }
}
