package dev.grpo.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MappedFilesTest {

  @TempDir Path dir;

  @Test
  void jsonlColumnsAreMappedAndADotReachesIntoAStruct() throws Exception {
    Path file = dir.resolve("rl.jsonl");
    Files.writeString(
        file,
        """
        {"uid": "a", "problem": "1+1?", "reward_model": {"ground_truth": "2"}}

        {"uid": "b", "problem": "2+3?", "reward_model": {"ground_truth": "5"}, "steps": "2+3=5"}
        """);
    FieldMapping fields =
        new FieldMapping("uid", "problem", "reward_model.ground_truth", "steps", null);
    List<DatasetRecord> records = DatasetFiles.read(file, DatasetFormat.JSONL, fields, 10);
    assertThat(records)
        .extracting(
            DatasetRecord::id,
            DatasetRecord::prompt,
            DatasetRecord::answer,
            DatasetRecord::solution)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("a", "1+1?", "2", null),
            org.assertj.core.groups.Tuple.tuple("b", "2+3?", "5", "2+3=5"));
  }

  @Test
  void aMappingThatNamesAMissingColumnNamesTheFieldAndTheColumns() throws Exception {
    Path file = dir.resolve("x.jsonl");
    Files.writeString(file, "{\"question\": \"q\", \"answer\": \"1\"}\n");
    assertThatThrownBy(() -> DatasetFiles.read(file, DatasetFormat.JSONL, FieldMapping.DEFAULT, 5))
        .isInstanceOfSatisfying(
            DatasetException.class,
            e -> {
              assertThat(e.field()).isEqualTo("data.fields.prompt");
              assertThat(e.getMessage()).contains("'prompt'", "[question, answer]");
            });
  }

  @Test
  void parquetIsReadThroughDuckDbWithListsAndStructs() throws Exception {
    Path file = dir.resolve("train.parquet");
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = db.createStatement()) {
      s.execute(
          """
          COPY (SELECT * FROM (VALUES
              (7, 'What is 6*7?', {'ground_truth': '42'}, ['assert f(1) == 2']),
              (8, 'What is 2^5?', {'ground_truth': '32'}, []::VARCHAR[]))
            AS t(idx, question, reward_model, tests))
          TO '%s' (FORMAT parquet)
          """
              .formatted(file));
    }
    FieldMapping fields =
        new FieldMapping("idx", "question", "reward_model.ground_truth", null, "tests");
    List<DatasetRecord> records = DatasetFiles.read(file, DatasetFormat.PARQUET, fields, 10);
    assertThat(records).hasSize(2);
    assertThat(records.get(0).id()).isEqualTo("7");
    assertThat(records.get(0).tests())
        .containsExactly(java.util.Map.of("assert", "assert f(1) == 2"));
    assertThat(records.get(1).answer()).isEqualTo("32");
    assertThat(records.get(1).tests()).isEmpty();
    assertThat(DatasetFiles.read(file, DatasetFormat.PARQUET, fields, 1)).hasSize(1);
  }

  @Test
  void errorsNameTheFieldAndNeverQuoteTheFile() throws Exception {
    Path secret = dir.resolve("secret.txt");
    Files.writeString(secret, "root:x:0:0:TOPSECRET\n");
    assertThatThrownBy(() -> DatasetFiles.read(secret, DatasetFormat.JSONL, null, 5))
        .isInstanceOfSatisfying(
            DatasetException.class,
            e -> {
              assertThat(e.field()).isEqualTo("data.path");
              assertThat(e.getMessage()).doesNotContain("TOPSECRET", "root");
            });
    assertThatThrownBy(() -> DatasetFiles.read(secret, DatasetFormat.PARQUET, null, 5))
        .isInstanceOfSatisfying(
            DatasetException.class, e -> assertThat(e.getMessage()).doesNotContain("TOPSECRET"));
    assertThatThrownBy(
            () -> DatasetFiles.read(dir.resolve("absent.jsonl"), DatasetFormat.GSM8K, null, 5))
        .isInstanceOfSatisfying(
            DatasetException.class, e -> assertThat(e.field()).isEqualTo("data.path"));
  }

  @Test
  void repeatedIdsAndUnknownFormatsAreRejected() throws Exception {
    Path file = dir.resolve("dup.jsonl");
    Files.writeString(file, "{\"id\": 1, \"prompt\": \"a\"}\n{\"id\": 1, \"prompt\": \"b\"}\n");
    assertThatThrownBy(() -> DatasetFiles.read(file, DatasetFormat.JSONL, null, 5))
        .hasMessageContaining("row 2 repeats the id");
    assertThatThrownBy(() -> DatasetFormat.parse("csv"))
        .isInstanceOfSatisfying(
            DatasetException.class,
            e -> {
              assertThat(e.field()).isEqualTo("data.format");
              assertThat(e.getMessage()).contains("gsm8k, math, humaneval, mbpp, jsonl, parquet");
            });
    assertThat(DatasetFormat.parse(" HumanEval ")).isEqualTo(DatasetFormat.HUMANEVAL);
  }
}
