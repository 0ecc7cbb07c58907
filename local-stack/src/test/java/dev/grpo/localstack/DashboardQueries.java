package dev.grpo.localstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The PromQL of a Grafana dashboard as Grafana would send it: every panel target's {@code expr}
 * with the labels its {@code legendFormat} prints, and the template variables' {@code
 * label_values(metric, label)} queries.
 */
final class DashboardQueries {

  private static final Pattern LEGEND_LABEL = Pattern.compile("\\{\\{\\s*([a-zA-Z_][\\w]*)\\s*}}");
  private static final Pattern LABEL_VALUES =
      Pattern.compile("label_values\\(\\s*([^,]+?)\\s*,\\s*([a-zA-Z_]\\w*)\\s*\\)");
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{?([a-zA-Z_]\\w*)}?");

  /** One query of a panel, and the labels its legend needs on every series. */
  record Target(String panel, String expr, Set<String> legendLabels) {

    /**
     * The expression with each {@code $var} / {@code ${var}} replaced as Grafana formats a
     * multi-value variable for a regex matcher: {@code (a|b|c)}, the values regex-quoted.
     */
    String substituted(Map<String, List<String>> values) {
      Matcher m = VARIABLE.matcher(expr);
      StringBuilder out = new StringBuilder();
      while (m.find()) {
        List<String> v = values.get(m.group(1));
        if (v == null || v.isEmpty()) {
          throw new IllegalArgumentException(
              "no value for $" + m.group(1) + " in " + panel + ": " + expr);
        }
        String alternation =
            v.stream().map(DashboardQueries::quoteRegex).collect(Collectors.joining("|", "(", ")"));
        m.appendReplacement(out, Matcher.quoteReplacement(alternation));
      }
      m.appendTail(out);
      return out.toString();
    }
  }

  /** A template variable filled by {@code label_values(match, label)}. */
  record Variable(String name, String match, String label) {}

  private final List<Target> targets;
  private final List<Variable> variables;

  private DashboardQueries(List<Target> targets, List<Variable> variables) {
    this.targets = targets;
    this.variables = variables;
  }

  static DashboardQueries load(Path dashboard) throws IOException {
    JsonNode root = JsonMapper.builder().build().readTree(Files.readString(dashboard));
    List<Target> targets = new ArrayList<>();
    collect(root.path("panels"), targets);
    List<Variable> variables = new ArrayList<>();
    for (JsonNode v : root.path("templating").path("list")) {
      String query =
          v.path("query").isObject()
              ? v.path("query").path("query").asString()
              : v.path("query").asString();
      Matcher m = LABEL_VALUES.matcher(query);
      if (!m.matches()) {
        throw new IllegalArgumentException(
            "variable " + v.path("name").asString() + " is not a label_values query: " + query);
      }
      variables.add(new Variable(v.path("name").asString(), m.group(1), m.group(2)));
    }
    return new DashboardQueries(targets, variables);
  }

  private static void collect(JsonNode panels, List<Target> into) {
    for (JsonNode panel : panels) {
      for (JsonNode t : panel.path("targets")) {
        String expr = t.path("expr").asString("");
        if (expr.isBlank()) {
          continue;
        }
        Set<String> labels = new LinkedHashSet<>();
        Matcher m = LEGEND_LABEL.matcher(t.path("legendFormat").asString(""));
        while (m.find()) {
          labels.add(m.group(1));
        }
        into.add(new Target(panel.path("title").asString(), expr, labels));
      }
      // rows hold their panels when collapsed
      collect(panel.path("panels"), into);
    }
  }

  List<Target> targets() {
    return targets;
  }

  List<Variable> variables() {
    return variables;
  }

  private static String quoteRegex(String value) {
    // a regex escape inside a PromQL string literal is itself escaped: \\. stands for \.
    return value.replaceAll("[\\\\.+*?()|\\[\\]{}^$]", "\\\\\\\\$0");
  }
}
