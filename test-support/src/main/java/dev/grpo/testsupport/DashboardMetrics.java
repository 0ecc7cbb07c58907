package dev.grpo.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The metrics a Grafana dashboard queries, read from the PromQL of its panels and of its templating
 * variables, and which of them a service's {@code /actuator/prometheus} does not expose.
 *
 * <pre>{@code
 * DashboardMetrics reward =
 *     DashboardMetrics.load(Path.of("../deploy/grafana/dashboards/grpo-training.json"))
 *         .metricsWithPrefix("reward_", "sandbox_");
 * assertThat(reward.missingFrom(prometheusText)).as(reward.explainMissing(prometheusText)).isEmpty();
 * }</pre>
 *
 * <p>Names are series names as Prometheus stores them, exactly as the queries spell them: a
 * histogram is queried through {@code x_bucket}, {@code x_count} or {@code x_sum}, a counter
 * through {@code y_total}, a timer's maximum through {@code z_seconds_max}. A dashboard that asks
 * for a {@code _bucket} series of a timer published without histogram buckets is reported missing,
 * with a hint.
 */
public final class DashboardMetrics {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  /**
   * Keywords of PromQL that are neither metrics nor functions (lower case; PromQL ignores case).
   */
  private static final Set<String> KEYWORDS =
      Set.of(
          "and",
          "or",
          "unless",
          "atan2",
          "bool",
          "offset",
          // aggregation operators: followed by "(" or by by/without
          "sum",
          "avg",
          "min",
          "max",
          "count",
          "group",
          "stddev",
          "stdvar",
          "topk",
          "bottomk",
          "quantile",
          "count_values",
          "limitk",
          "limit_ratio");

  /** Keywords followed by a parenthesised list of label names. */
  private static final Set<String> LABEL_LIST_KEYWORDS =
      Set.of("by", "without", "on", "ignoring", "group_left", "group_right");

  private static final Pattern GRAFANA_FUNCTION =
      Pattern.compile(
          "^\\s*(label_values|label_names|metrics|query_result)\\s*\\((.*)\\)\\s*$",
          Pattern.DOTALL);

  private final SortedMap<String, SortedSet<String>> usedBy;

  private DashboardMetrics(SortedMap<String, SortedSet<String>> usedBy) {
    this.usedBy = usedBy;
  }

  /** Reads a dashboard JSON file: every {@code expr}, and every query of a templating variable. */
  public static DashboardMetrics load(Path dashboard) {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(dashboard));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    SortedMap<String, SortedSet<String>> usedBy = new TreeMap<>();
    collect(root, "dashboard", usedBy);
    for (JsonNode variable : root.path("templating").path("list")) {
      if (!"query".equals(variable.path("type").asString(""))) {
        continue;
      }
      JsonNode query = variable.path("query");
      String text = query.isObject() ? query.path("query").asString("") : query.asString("");
      String where = "variable $" + variable.path("name").asString("?");
      for (String name : metricNames(text)) {
        usedBy.computeIfAbsent(name, k -> new TreeSet<>()).add(where);
      }
    }
    return new DashboardMetrics(usedBy);
  }

  /** Every metric of the queries in {@code expressions}. */
  public static DashboardMetrics of(String... expressions) {
    SortedMap<String, SortedSet<String>> usedBy = new TreeMap<>();
    for (String e : expressions) {
      for (String name : metricNames(e)) {
        usedBy.computeIfAbsent(name, k -> new TreeSet<>()).add(e);
      }
    }
    return new DashboardMetrics(usedBy);
  }

  private static void collect(
      JsonNode node, String where, SortedMap<String, SortedSet<String>> usedBy) {
    if (node.isObject()) {
      String here = node.has("title") ? node.path("title").asString(where) : where;
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        if (field.getKey().equals("expr") && field.getValue().isString()) {
          for (String name : metricNames(field.getValue().asString())) {
            usedBy.computeIfAbsent(name, k -> new TreeSet<>()).add(here);
          }
        } else if (!field.getKey().equals("templating")) {
          collect(field.getValue(), here, usedBy);
        }
      }
    } else if (node.isArray()) {
      for (JsonNode element : node) {
        collect(element, where, usedBy);
      }
    }
  }

  /** The metric names, sorted. */
  public SortedSet<String> names() {
    return Collections.unmodifiableSortedSet(new TreeSet<>(usedBy.keySet()));
  }

  /** Metric name → the panels (or variables) that query it. */
  public SortedMap<String, SortedSet<String>> usedBy() {
    return Collections.unmodifiableSortedMap(usedBy);
  }

  /** Only the metrics whose name starts with one of the prefixes, e.g. {@code "grpo_"}. */
  public DashboardMetrics metricsWithPrefix(String... prefixes) {
    SortedMap<String, SortedSet<String>> kept = new TreeMap<>();
    usedBy.forEach(
        (name, where) -> {
          if (Arrays.stream(prefixes).anyMatch(name::startsWith)) {
            kept.put(name, where);
          }
        });
    return new DashboardMetrics(kept);
  }

  /** The metrics whose name starts with none of the prefixes. */
  public DashboardMetrics metricsWithoutPrefix(String... prefixes) {
    SortedMap<String, SortedSet<String>> kept = new TreeMap<>();
    usedBy.forEach(
        (name, where) -> {
          if (Arrays.stream(prefixes).noneMatch(name::startsWith)) {
            kept.put(name, where);
          }
        });
    return new DashboardMetrics(kept);
  }

  /** The metrics that are not among {@code exposedSeriesNames}. */
  public SortedSet<String> missing(Set<String> exposedSeriesNames) {
    SortedSet<String> missing = new TreeSet<>(usedBy.keySet());
    missing.removeAll(exposedSeriesNames);
    return missing;
  }

  /** The metrics that no sample of a Prometheus text exposition names. */
  public SortedSet<String> missingFrom(String prometheusText) {
    return missing(PrometheusExposition.parse(prometheusText).seriesNames());
  }

  /** One line per missing metric: where the dashboard uses it, and what the exposition has. */
  public String explainMissing(String prometheusText) {
    PrometheusExposition exposition = PrometheusExposition.parse(prometheusText);
    Set<String> exposed = exposition.seriesNames();
    StringBuilder b = new StringBuilder("metrics the dashboard queries but the service lacks:");
    for (String name : missing(exposed)) {
      b.append("\n  ").append(name).append(" (").append(String.join(", ", usedBy.get(name)));
      b.append("): ").append(hint(name, exposition, exposed));
    }
    return b.toString();
  }

  private static String hint(String name, PrometheusExposition exposition, Set<String> exposed) {
    if (name.endsWith("_bucket")) {
      String base = name.substring(0, name.length() - "_bucket".length());
      if (exposed.contains(base + "_count")) {
        return base
            + " is published without histogram buckets: set"
            + " management.metrics.distribution.percentiles-histogram.<meter name>=true";
      }
    }
    if (exposed.contains(name + "_total")) {
      return "a counter: query " + name + "_total";
    }
    if (name.endsWith("_total") && exposed.contains(name.substring(0, name.length() - 6))) {
      return "not a counter: query " + name.substring(0, name.length() - 6);
    }
    return exposition
        .familyOf(name)
        .map(f -> "family " + f + " (" + exposition.types().get(f) + ") is declared, no sample")
        .orElse("not exposed at all");
  }

  /**
   * The metric names one PromQL expression (or Grafana variable query: {@code label_values}, {@code
   * query_result}) selects: identifiers that are not functions, keywords, label names of a {@code
   * by}/{@code without}/{@code on}/{@code ignoring} list, or anything inside a {@code {…}} matcher,
   * a {@code […]} range, a string, a number or duration, or a Grafana {@code $variable}; plus the
   * value of a {@code __name__="…"} matcher.
   *
   * @throws IllegalArgumentException when the expression is not well-formed (unterminated string,
   *     unbalanced brackets, a character PromQL does not have)
   */
  public static SortedSet<String> metricNames(String expression) {
    Matcher grafana = GRAFANA_FUNCTION.matcher(expression);
    if (grafana.matches()) {
      String args = grafana.group(2);
      return switch (grafana.group(1)) {
        case "label_values" -> {
          // label_values(label) or label_values(selector, label)
          int comma = lastTopLevelComma(args);
          yield comma < 0 ? new TreeSet<>() : metricNames(args.substring(0, comma));
        }
        case "query_result" -> metricNames(args);
        default -> new TreeSet<>(); // label_names(), metrics(regex): no metric
      };
    }
    return new Scanner(expression).metrics();
  }

  private static int lastTopLevelComma(String s) {
    int depth = 0;
    int last = -1;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\'' || c == '`') {
        i = Scanner.endOfString(s, i);
      } else if (c == '(' || c == '{' || c == '[') {
        depth++;
      } else if (c == ')' || c == '}' || c == ']') {
        depth--;
      } else if (c == ',' && depth == 0) {
        last = i;
      }
    }
    return last;
  }

  /** A single pass over PromQL that keeps the metric names and checks the brackets balance. */
  private static final class Scanner {

    private final String s;
    private final SortedSet<String> metrics = new TreeSet<>();
    private int i;
    private int parens;

    Scanner(String s) {
      this.s = s;
    }

    SortedSet<String> metrics() {
      while (true) {
        skipBlanks();
        if (i >= s.length()) {
          break;
        }
        char c = s.charAt(i);
        if (c == '"' || c == '\'' || c == '`') {
          i = endOfString(s, i) + 1;
        } else if (c == '{') {
          matchers();
        } else if (c == '[') {
          i = closing('[', ']') + 1; // range, subquery or Grafana's old [[variable]]
        } else if (c == '$') {
          variable();
        } else if (isDigit(c) || (c == '.' && i + 1 < s.length() && isDigit(s.charAt(i + 1)))) {
          number();
        } else if (isIdentifierStart(c)) {
          identifier();
        } else if (c == '(') {
          parens++;
          i++;
        } else if (c == ')') {
          if (--parens < 0) {
            throw error("unbalanced )");
          }
          i++;
        } else if ("+-*/%^=!<>,@".indexOf(c) >= 0) {
          i++;
        } else {
          throw error("unexpected '" + c + "'");
        }
      }
      if (parens != 0) {
        throw error("unbalanced (");
      }
      return metrics;
    }

    private void identifier() {
      int start = i;
      while (i < s.length() && isIdentifierPart(s.charAt(i))) {
        i++;
      }
      String word = s.substring(start, i);
      String lower = word.toLowerCase(Locale.ROOT);
      if (LABEL_LIST_KEYWORDS.contains(lower)) {
        skipBlanks();
        if (i < s.length() && s.charAt(i) == '(') {
          i = closing('(', ')') + 1; // label names, not metrics
        }
        return;
      }
      if (KEYWORDS.contains(lower) || lower.equals("inf") || lower.equals("nan")) {
        return;
      }
      skipBlanks();
      if (i < s.length() && s.charAt(i) == '(') {
        return; // a function; its arguments are scanned next
      }
      metrics.add(word);
    }

    /** {@code {label op "value", …}}: nothing but a {@code __name__="x"} names a metric. */
    private void matchers() {
      int end = closing('{', '}');
      Matcher m =
          Pattern.compile("(?:^|[{,])\\s*__name__\\s*=\\s*\"([a-zA-Z_:][a-zA-Z0-9_:]*)\"")
              .matcher(s.substring(i, end));
      while (m.find()) {
        metrics.add(m.group(1));
      }
      i = end + 1;
    }

    /** Grafana's {@code $name}, {@code ${name}}, {@code ${name:format}}. */
    private void variable() {
      i++;
      if (i < s.length() && s.charAt(i) == '{') {
        i = closing('{', '}') + 1;
        return;
      }
      while (i < s.length() && isIdentifierPart(s.charAt(i))) {
        i++;
      }
    }

    /** A number or a duration: 0.95, 1e-3, 0x1f, 5m, 1h30m. */
    private void number() {
      boolean hex = s.startsWith("0x", i) || s.startsWith("0X", i);
      while (i < s.length()) {
        char c = s.charAt(i);
        if (isIdentifierPart(c) || c == '.') {
          i++;
        } else if ((c == '+' || c == '-')
            && !hex
            && (s.charAt(i - 1) == 'e' || s.charAt(i - 1) == 'E')
            && i + 1 < s.length()
            && isDigit(s.charAt(i + 1))) {
          i++; // the exponent's sign: 1e-3
        } else {
          break;
        }
      }
    }

    /** Index of the bracket closing the one at {@code i}, skipping strings inside. */
    private int closing(char open, char close) {
      int depth = 0;
      for (int j = i; j < s.length(); j++) {
        char c = s.charAt(j);
        if (c == '"' || c == '\'' || c == '`') {
          j = endOfString(s, j);
        } else if (c == open) {
          depth++;
        } else if (c == close && --depth == 0) {
          return j;
        }
      }
      throw error("unbalanced " + open);
    }

    private void skipBlanks() {
      while (i < s.length()) {
        char c = s.charAt(i);
        if (Character.isWhitespace(c)) {
          i++;
        } else if (c == '#') {
          while (i < s.length() && s.charAt(i) != '\n') {
            i++;
          }
        } else {
          break;
        }
      }
    }

    static int endOfString(String s, int start) {
      char quote = s.charAt(start);
      for (int j = start + 1; j < s.length(); j++) {
        char c = s.charAt(j);
        if (c == '\\' && quote != '`') {
          j++;
        } else if (c == quote) {
          return j;
        }
      }
      throw new IllegalArgumentException("unterminated string at " + start + " in: " + s);
    }

    private IllegalArgumentException error(String what) {
      return new IllegalArgumentException(what + " at " + i + " in: " + s);
    }

    private static boolean isDigit(char c) {
      return c >= '0' && c <= '9';
    }

    private static boolean isIdentifierStart(char c) {
      return c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isIdentifierPart(char c) {
      return isIdentifierStart(c) || isDigit(c);
    }
  }
}
