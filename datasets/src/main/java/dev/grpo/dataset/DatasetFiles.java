package dev.grpo.dataset;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Reads a dataset file into {@link DatasetRecord}s. Errors are {@link DatasetException}s naming the
 * spec field at fault; their messages never quote the file, so a wrong path cannot be used to read
 * a host file through an error.
 */
public final class DatasetFiles {

  private DatasetFiles() {}

  /**
   * The first {@code limit} records of a file.
   *
   * @param fields the column mapping of {@code jsonl} and {@code parquet}; ignored by the
   *     benchmarks' own formats
   */
  public static List<DatasetRecord> read(
      Path path, DatasetFormat format, FieldMapping fields, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive");
    }
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw new DatasetException("data.path", "no readable file at the given path");
    }
    List<RowSource.Row> rows =
        format == DatasetFormat.PARQUET
            ? RowSource.parquet(path, limit)
            : RowSource.jsonLines(path, limit);
    if (rows.isEmpty()) {
      throw new DatasetException("data.path", "the file holds no rows");
    }
    List<DatasetRecord> out = new ArrayList<>(rows.size());
    Set<String> ids = new HashSet<>();
    for (RowSource.Row row : rows) {
      DatasetRecord record = convert(row, format, fields == null ? FieldMapping.DEFAULT : fields);
      if (!ids.add(record.id())) {
        throw new DatasetException(
            "data.path", "row " + row.number() + " repeats the id of an earlier row");
      }
      out.add(record);
    }
    return out;
  }

  private static DatasetRecord convert(RowSource.Row row, DatasetFormat format, FieldMapping f) {
    Columns.Row at = new Columns.Row(row.number());
    JsonNode value = row.value();
    return switch (format) {
      case GSM8K -> KnownFormats.gsm8k(value, at);
      case MATH -> KnownFormats.math(value, at);
      case HUMANEVAL -> KnownFormats.humanEval(value, at);
      case MBPP -> KnownFormats.mbpp(value, at);
      case JSONL, PARQUET -> mapped(value, at, f);
    };
  }

  private static DatasetRecord mapped(JsonNode row, Columns.Row at, FieldMapping f) {
    String prompt = Columns.text(row, f.prompt());
    if (prompt == null || prompt.isBlank()) {
      String field = "data.fields.prompt";
      if (Columns.node(row, f.prompt()) == null) {
        throw new DatasetException(
            field,
            "row "
                + at.number()
                + " has no column '"
                + f.prompt()
                + "'; its columns are "
                + columnNames(row));
      }
      throw new DatasetException(field, "row " + at.number() + " has an empty prompt");
    }
    String id = Columns.text(row, f.id());
    List<String> tests = Columns.strings(row, f.tests());
    DatasetRecord base =
        new DatasetRecord(
            id == null || id.isBlank() ? "line-" + at.number() : id,
            prompt,
            Columns.text(row, f.answer()),
            Columns.text(row, f.solution()),
            List.of(),
            null);
    if (tests.isEmpty()) {
      return base;
    }
    return DatasetRecord.code(base.id(), base.prompt(), base.solution(), tests);
  }

  private static List<String> columnNames(JsonNode row) {
    List<String> names = new ArrayList<>();
    row.propertyNames().forEach(names::add);
    return names;
  }
}
