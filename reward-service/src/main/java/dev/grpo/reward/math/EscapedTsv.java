package dev.grpo.reward.math;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Tab-separated file with a header row, fields escaped PostgreSQL-COPY style ({@code \\ \t \n \r}),
 * as used by the shared answer tables.
 */
final class EscapedTsv {

  private EscapedTsv() {}

  /** Rows as column-name maps, in file order. */
  static List<Map<String, String>> read(Path path) throws IOException {
    List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
    if (lines.isEmpty()) {
      throw new IOException("empty file: " + path);
    }
    String[] header = lines.get(0).split("\t", -1);
    List<Map<String, String>> rows = new ArrayList<>();
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isEmpty()) {
        continue;
      }
      String[] fields = line.split("\t", -1);
      Map<String, String> row = new HashMap<>();
      for (int c = 0; c < header.length; c++) {
        row.put(header[c], c < fields.length ? unescape(fields[c]) : "");
      }
      rows.add(row);
    }
    return rows;
  }

  /** Decodes left to right in one pass, so "\\\\n" is a backslash followed by n. */
  static String unescape(String field) {
    StringBuilder sb = new StringBuilder(field.length());
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && i + 1 < field.length()) {
        char d = field.charAt(++i);
        switch (d) {
          case '\\' -> sb.append('\\');
          case 't' -> sb.append('\t');
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          default -> sb.append('\\').append(d);
        }
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
