package dev.grpo.policy.chat;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Writes a template value as Python's {@code json.dumps(x, ensure_ascii=False, indent=indent,
 * sort_keys=sort_keys)} does, which is what transformers' {@code tojson} filter calls: {@code ", "}
 * and {@code ": "} between items without an indent, {@code ","} and newlines with one, non-ASCII
 * kept, dict keys in insertion order unless sorted.
 */
final class PythonJson {

  private final Integer indent;
  private final boolean sortKeys;

  PythonJson(Integer indent, boolean sortKeys) {
    this.indent = indent;
    this.sortKeys = sortKeys;
  }

  String write(Object value) {
    StringBuilder out = new StringBuilder();
    write(value, 0, out);
    return out.toString();
  }

  private void write(Object value, int depth, StringBuilder out) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof Boolean || value instanceof Integer || value instanceof Long) {
      out.append(value);
    } else if (value instanceof Number number) {
      out.append(pythonFloat(number.doubleValue()));
    } else if (value instanceof Map<?, ?> map) {
      writeObject(map, depth, out);
    } else if (value instanceof Collection<?> items) {
      writeArray(new ArrayList<>(items), depth, out);
    } else if (value instanceof Object[] items) {
      writeArray(List.of(items), depth, out);
    } else {
      writeString(value.toString(), out);
    }
  }

  private void writeObject(Map<?, ?> map, int depth, StringBuilder out) {
    List<Map.Entry<?, ?>> entries = new ArrayList<>(map.entrySet());
    if (sortKeys) {
      entries.sort((a, b) -> a.getKey().toString().compareTo(b.getKey().toString()));
    }
    if (entries.isEmpty()) {
      out.append("{}");
      return;
    }
    out.append('{');
    for (int i = 0; i < entries.size(); i++) {
      separate(i, depth + 1, out);
      writeString(entries.get(i).getKey().toString(), out);
      out.append(": ");
      write(entries.get(i).getValue(), depth + 1, out);
    }
    newline(depth, out);
    out.append('}');
  }

  private void writeArray(List<?> items, int depth, StringBuilder out) {
    if (items.isEmpty()) {
      out.append("[]");
      return;
    }
    out.append('[');
    for (int i = 0; i < items.size(); i++) {
      separate(i, depth + 1, out);
      write(items.get(i), depth + 1, out);
    }
    newline(depth, out);
    out.append(']');
  }

  private void separate(int index, int depth, StringBuilder out) {
    if (index > 0) {
      out.append(indent == null ? ", " : ",");
    }
    newline(depth, out);
  }

  private void newline(int depth, StringBuilder out) {
    if (indent != null) {
      out.append('\n').append(" ".repeat(indent * depth));
    }
  }

  private static void writeString(String s, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  /**
   * Python's {@code repr} of a float: the shortest digits that read back (Java's {@code
   * Double.toString} digits), positional for decimal exponents -4 to 15, else {@code d.ddde-XX}.
   */
  static String pythonFloat(double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      return Double.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity";
    }
    if (d == 0) {
      return 1 / d < 0 ? "-0.0" : "0.0";
    }
    BigDecimal exact = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
    String digits = exact.unscaledValue().toString();
    int exponent = digits.length() - 1 - exact.scale();
    String sign = d < 0 ? "-" : "";
    if (exponent < -4 || exponent >= 16) {
      String mantissa =
          digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
      return sign
          + mantissa
          + "e"
          + (exponent < 0 ? "-" : "+")
          + String.format("%02d", Math.abs(exponent));
    }
    String plain = exact.toPlainString();
    return sign + (plain.contains(".") ? plain : plain + ".0");
  }
}
