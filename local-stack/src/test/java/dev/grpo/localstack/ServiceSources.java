package dev.grpo.localstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the services read, taken from their sources, so that the manifests are checked against the
 * code rather than against a list in the test.
 *
 * @param requiredEnv per service module, the environment variables a cluster must set
 * @param rolloutProperties the keys under {@code grpo.rollout} (kebab case)
 * @param rolloutBackendProperties the keys of one {@code grpo.rollout.backends[]} entry
 */
record ServiceSources(
    Map<String, Set<String>> requiredEnv,
    Set<String> rolloutProperties,
    Set<String> rolloutBackendProperties) {

  static final List<String> MODULES =
      List.of("trainer-service", "rollout-service", "reward-service");

  private static final Pattern PLACEHOLDER =
      Pattern.compile("\\$\\{(GRPO_[A-Z0-9_]+)(?::([^}]*))?}");

  static ServiceSources read(Path root) throws IOException {
    Map<String, Set<String>> required = new TreeMap<>();
    for (String module : MODULES) {
      String yml = Files.readString(root.resolve(module + "/src/main/resources/application.yml"));
      required.put(module, requiredPlaceholders(yml));
    }
    String rollout =
        Files.readString(
            root.resolve(
                "rollout-service/src/main/java/dev/grpo/rollout/config/RolloutProperties.java"));
    return new ServiceSources(
        required,
        recordProperties(rollout, "RolloutProperties"),
        recordProperties(rollout, "Backend"));
  }

  /** The same sources with one more variable that {@code module} needs. */
  ServiceSources withRequiredEnv(String module, String name) {
    Map<String, Set<String>> copy = new TreeMap<>(requiredEnv);
    Set<String> names = new TreeSet<>(copy.get(module));
    names.add(name);
    copy.put(module, names);
    return new ServiceSources(copy, rolloutProperties, rolloutBackendProperties);
  }

  /**
   * The {@code ${GRPO_...}} placeholders of an application.yml that a cluster must set: those
   * without a default, with an empty one, or with one that points at localhost (a laptop's default,
   * wrong in any pod).
   */
  static Set<String> requiredPlaceholders(String applicationYml) {
    Set<String> required = new TreeSet<>();
    Matcher m = PLACEHOLDER.matcher(applicationYml);
    while (m.find()) {
      String fallback = m.group(2);
      if (fallback == null || fallback.isBlank() || fallback.contains("localhost")) {
        required.add(m.group(1));
      }
    }
    return required;
  }

  /**
   * The components of {@code record <name>(...)} in a Java source, as the kebab-case property names
   * Spring Boot binds them to.
   */
  static Set<String> recordProperties(String javaSource, String recordName) {
    Matcher start = Pattern.compile("\\brecord\\s+" + recordName + "\\s*\\(").matcher(javaSource);
    if (!start.find()) {
      throw new IllegalArgumentException("no record " + recordName);
    }
    Set<String> names = new LinkedHashSet<>();
    for (String component : topLevelComponents(javaSource, start.end())) {
      Matcher name = Pattern.compile("(\\w+)\\s*$").matcher(component.strip());
      if (name.find()) {
        names.add(kebab(name.group(1)));
      }
    }
    return names;
  }

  /**
   * Splits a parameter list at its top-level commas, from just after its opening parenthesis to its
   * closing one, skipping commas inside annotations, generics, string literals and comments.
   */
  private static List<String> topLevelComponents(String source, int from) {
    List<String> parts = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    int depth = 0;
    for (int i = from; i < source.length(); i++) {
      char c = source.charAt(i);
      if (c == '"') {
        int end = i + 1;
        while (source.charAt(end) != '"') {
          end += source.charAt(end) == '\\' ? 2 : 1;
        }
        i = end;
        continue;
      }
      if (source.startsWith("//", i)) {
        i = source.indexOf('\n', i);
        continue;
      }
      if (source.startsWith("/*", i)) {
        i = source.indexOf("*/", i) + 1;
        continue;
      }
      if (c == '(' || c == '{' || c == '<') {
        depth++;
      } else if ((c == ')' || c == '}' || c == '>') && depth > 0) {
        depth--;
      } else if (c == ')') {
        parts.add(current.toString());
        return parts;
      } else if (c == ',' && depth == 0) {
        parts.add(current.toString());
        current.setLength(0);
        continue;
      }
      current.append(c);
    }
    throw new IllegalArgumentException("unclosed parameter list");
  }

  static String kebab(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
  }
}
