package dev.grpo.dataset;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** Reads named fields of a row; a dot in a name reaches into a nested object. */
final class Columns {

  private Columns() {}

  /** The field's node, or null when the row does not have it. */
  static JsonNode node(JsonNode row, String name) {
    JsonNode node = row;
    for (String part : name.split("\\.")) {
      if (node == null || !node.isObject()) {
        return null;
      }
      node = node.get(part);
    }
    return node == null || node.isNull() ? null : node;
  }

  /** The field as text (numbers are written as JSON writes them), or null when absent. */
  static String text(JsonNode row, String name) {
    JsonNode node = node(row, name);
    if (node == null) {
      return null;
    }
    return node.isValueNode() ? node.asString() : node.toString();
  }

  /** A field that must be there and be non-blank text. */
  static String required(JsonNode row, String name, Row at, String format) {
    String value = text(row, name);
    if (value == null || value.isBlank()) {
      throw new DatasetException(
          "data.path", format + " row " + at.number() + " has no '" + name + "' field");
    }
    return value;
  }

  /** A field holding a list of strings (a JSON array, or one string). */
  static List<String> strings(JsonNode row, String name) {
    JsonNode node = node(row, name);
    List<String> out = new ArrayList<>();
    if (node == null) {
      return out;
    }
    if (node.isArray()) {
      for (JsonNode item : node) {
        out.add(item.isValueNode() ? item.asString() : item.toString());
      }
    } else {
      out.add(node.isValueNode() ? node.asString() : node.toString());
    }
    return out;
  }

  /** Where a row stood, for messages. */
  record Row(int number) {}
}
