package dev.grpo.dataset;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** The rows of a dataset file as JSON objects, whatever the file's encoding. */
final class RowSource {

  /** One row and where it stood (1-based line or row number), for error messages. */
  record Row(int number, JsonNode value) {}

  private static final ObjectMapper JSON = JsonMapper.builder().build();

  private RowSource() {}

  /** JSON lines, gzip-compressed when the name ends in {@code .gz}; blank lines are skipped. */
  static List<Row> jsonLines(Path path, int limit) {
    List<Row> rows = new ArrayList<>();
    try (InputStream raw = Files.newInputStream(path);
        InputStream in = path.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
        BufferedReader reader =
            new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      int number = 0;
      while (rows.size() < limit && (line = reader.readLine()) != null) {
        number++;
        if (!line.isBlank()) {
          rows.add(new Row(number, object(line, number)));
        }
      }
    } catch (IOException e) {
      throw new DatasetException("data.path", "the file cannot be read: " + e.getClass().getName());
    }
    return rows;
  }

  /**
   * A Parquet file through DuckDB's reader (in memory, nothing written): each row is turned into
   * JSON by DuckDB, so nested lists and structs arrive as JSON arrays and objects.
   */
  static List<Row> parquet(Path path, int limit) {
    String sql = "SELECT to_json(t)::VARCHAR FROM read_parquet(?) t LIMIT ?";
    List<Row> rows = new ArrayList<>();
    try (Connection db = DriverManager.getConnection("jdbc:duckdb:");
        PreparedStatement query = db.prepareStatement(sql)) {
      query.setString(1, path.toString());
      query.setInt(2, limit);
      try (ResultSet rs = query.executeQuery()) {
        while (rs.next()) {
          rows.add(new Row(rows.size() + 1, object(rs.getString(1), rows.size() + 1)));
        }
      }
    } catch (SQLException e) {
      throw new DatasetException("data.path", "not a readable Parquet file", e);
    }
    return rows;
  }

  private static JsonNode object(String text, int number) {
    JsonNode node;
    try {
      node = JSON.readTree(text);
    } catch (JacksonException e) {
      throw new DatasetException("data.path", "row " + number + " is not valid JSON");
    }
    if (node == null || !node.isObject()) {
      throw new DatasetException("data.path", "row " + number + " is not a JSON object");
    }
    return node;
  }
}
