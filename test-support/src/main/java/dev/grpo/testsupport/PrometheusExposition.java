package dev.grpo.testsupport;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A parsed Prometheus text exposition (what {@code /actuator/prometheus} answers, format 0.0.4 or
 * OpenMetrics): the samples, and the type each {@code # TYPE} line declares for a family.
 *
 * <p>Prometheus stores what the sample lines name, so {@link #seriesNames()} is what a query can
 * find: {@code x_bucket}, {@code x_count}, {@code x_sum} for a histogram family {@code x}, {@code
 * y_total} for a counter, and a timer's {@code z_seconds_max} as a gauge of its own.
 */
public record PrometheusExposition(SortedMap<String, String> types, List<Sample> samples) {

  /** One sample line: {@code name{labels} value [timestamp]}. */
  public record Sample(String name, Map<String, String> labels, double value) {}

  private static final List<String> FAMILY_SUFFIXES =
      List.of("_bucket", "_count", "_sum", "_total", "_created", "_gcount", "_gsum", "_info");

  public PrometheusExposition {
    types = Collections.unmodifiableSortedMap(new TreeMap<>(types));
    samples = List.copyOf(samples);
  }

  /**
   * Parses the exposition text.
   *
   * @throws IllegalArgumentException naming the line, when a line is neither a comment, a blank nor
   *     a well-formed sample
   */
  public static PrometheusExposition parse(String text) {
    Map<String, String> types = new LinkedHashMap<>();
    List<Sample> samples = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    for (int n = 0; n < lines.length; n++) {
      String line = lines[n].strip();
      if (line.isEmpty()) {
        continue;
      }
      try {
        if (line.startsWith("#")) {
          String[] parts = line.split("\\s+", 4);
          if (parts.length >= 4 && parts[1].equals("TYPE")) {
            types.put(unquote(parts[2]), parts[3].strip());
          } else if (parts.length == 3 && parts[1].equals("TYPE")) {
            throw new IllegalArgumentException("TYPE without a type");
          }
          continue; // HELP, UNIT, EOF and plain comments
        }
        samples.add(sample(line));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "line " + (n + 1) + ": " + e.getMessage() + ": " + lines[n], e);
      }
    }
    return new PrometheusExposition(new TreeMap<>(types), samples);
  }

  /** The names of the series the samples make, e.g. {@code reward_rule_duration_seconds_bucket}. */
  public SortedSet<String> seriesNames() {
    SortedSet<String> names = new TreeSet<>();
    samples.forEach(s -> names.add(s.name()));
    return names;
  }

  /** The samples of one series name. */
  public List<Sample> samples(String name) {
    return samples.stream().filter(s -> s.name().equals(name)).toList();
  }

  /**
   * The family a series name belongs to, as declared by a {@code # TYPE} line: the name itself, or
   * the name without a {@code _bucket}, {@code _count}, {@code _sum}, {@code _total} (…) suffix.
   */
  public Optional<String> familyOf(String seriesName) {
    if (types.containsKey(seriesName)) {
      return Optional.of(seriesName);
    }
    for (String suffix : FAMILY_SUFFIXES) {
      if (seriesName.endsWith(suffix)) {
        String base = seriesName.substring(0, seriesName.length() - suffix.length());
        if (types.containsKey(base)) {
          return Optional.of(base);
        }
      }
    }
    return Optional.empty();
  }

  private static Sample sample(String line) {
    int i = 0;
    String name;
    Map<String, String> labels = new LinkedHashMap<>();
    if (line.charAt(0) == '{') {
      name = null; // OpenMetrics 2 / UTF-8 style: {"metric.name", label="v"}
    } else {
      while (i < line.length() && isNameChar(line.charAt(i), i == 0)) {
        i++;
      }
      if (i == 0) {
        throw new IllegalArgumentException("no metric name");
      }
      name = line.substring(0, i);
    }
    if (i < line.length() && line.charAt(i) == '{') {
      i++;
      while (true) {
        i = skipSpaces(line, i);
        if (i >= line.length()) {
          throw new IllegalArgumentException("unterminated label set");
        }
        if (line.charAt(i) == '}') {
          i++;
          break;
        }
        String key;
        if (line.charAt(i) == '"') {
          int end = endOfString(line, i);
          key = unescape(line.substring(i + 1, end));
          i = skipSpaces(line, end + 1);
          if (name == null && (i >= line.length() || line.charAt(i) != '=')) {
            name = key; // the quoted metric name
            key = null;
          }
        } else {
          int start = i;
          while (i < line.length() && isNameChar(line.charAt(i), i == start)) {
            i++;
          }
          if (i == start) {
            throw new IllegalArgumentException("bad label name at column " + (i + 1));
          }
          key = line.substring(start, i);
          i = skipSpaces(line, i);
        }
        if (key != null) {
          if (i >= line.length() || line.charAt(i) != '=') {
            throw new IllegalArgumentException("expected = after label " + key);
          }
          i = skipSpaces(line, i + 1);
          if (i >= line.length() || line.charAt(i) != '"') {
            throw new IllegalArgumentException("label " + key + " has no quoted value");
          }
          int end = endOfString(line, i);
          labels.put(key, unescape(line.substring(i + 1, end)));
          i = skipSpaces(line, end + 1);
        }
        if (i < line.length() && line.charAt(i) == ',') {
          i++;
        } else if (i >= line.length() || line.charAt(i) != '}') {
          throw new IllegalArgumentException("expected , or } at column " + (i + 1));
        }
      }
    }
    if (name == null) {
      throw new IllegalArgumentException("no metric name");
    }
    String rest = line.substring(i);
    int exemplar = rest.indexOf(" # "); // OpenMetrics: an exemplar may follow the value
    String[] fields = (exemplar < 0 ? rest : rest.substring(0, exemplar)).strip().split("\\s+");
    if (fields[0].isEmpty() || fields.length > 2) {
      throw new IllegalArgumentException("expected a value and at most a timestamp");
    }
    if (fields.length == 2) {
      value(fields[1]);
    }
    return new Sample(name, Collections.unmodifiableMap(labels), value(fields[0]));
  }

  private static double value(String s) {
    return switch (s) {
      case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> {
        try {
          yield Double.parseDouble(s);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("not a number: " + s);
        }
      }
    };
  }

  private static boolean isNameChar(char c, boolean first) {
    return c == '_'
        || c == ':'
        || (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (!first && c >= '0' && c <= '9');
  }

  private static int skipSpaces(String s, int i) {
    while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
      i++;
    }
    return i;
  }

  /** Index of the closing quote of the string opening at {@code start}. */
  private static int endOfString(String s, int start) {
    for (int i = start + 1; i < s.length(); i++) {
      if (s.charAt(i) == '\\') {
        i++;
      } else if (s.charAt(i) == '"') {
        return i;
      }
    }
    throw new IllegalArgumentException("unterminated string at column " + (start + 1));
  }

  private static String unescape(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char e = s.charAt(++i);
        b.append(e == 'n' ? '\n' : e);
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static String unquote(String s) {
    return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")
        ? unescape(s.substring(1, s.length() - 1))
        : s;
  }
}
