package dev.grpo.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The alert rules of {@code deploy/prometheus/alerts/grpo-alerts.yml}: valid for Prometheus ({@code
 * promtool check rules}, and {@code check config} of the compose configuration that loads them),
 * their unit tests pass ({@code promtool test rules}), every alert has a case that fires and one
 * that stays silent, and the Kubernetes PrometheusRule carries the same rules.
 */
class AlertRulesTest {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path ALERTS = ROOT.resolve("deploy/prometheus/alerts");
  private static final Path RULES = ALERTS.resolve("grpo-alerts.yml");
  private static final Path TESTS = ALERTS.resolve("grpo-alerts.test.yml");

  @Test
  void promtoolAcceptsTheRulesAndTheComposeConfigurationThatLoadsThem() throws Exception {
    Path promtool = PrometheusBinaries.promtool();
    Result rules = run(promtool, "check", "rules", RULES.toString());
    assertThat(rules.exit()).as(rules.output()).isZero();
    assertThat(rules.output()).contains("SUCCESS: " + alertNames().size() + " rules found");

    Result config =
        run(
            promtool,
            "check",
            "config",
            ROOT.resolve("deploy/prometheus/prometheus.yml").toString());
    assertThat(config.exit()).as(config.output()).isZero();
    assertThat(config.output()).contains("SUCCESS: 1 rule files found");
  }

  @Test
  void theRulesUnitTestsPass() throws Exception {
    Result tests = run(PrometheusBinaries.promtool(), "test", "rules", TESTS.toString());
    System.out.println("promtool test rules grpo-alerts.test.yml:\n" + tests.output());
    assertThat(tests.exit()).as(tests.output()).isZero();
    assertThat(tests.output()).contains("SUCCESS");
  }

  @Test
  void theUnitTestsCatchAThresholdThatIsOff(@TempDir Path dir) throws Exception {
    // the same tests against rules whose KL threshold is 10× too high: the firing case must fail
    Files.writeString(
        dir.resolve("grpo-alerts.yml"),
        Files.readString(RULES).replace("grpo_kl > 0.5", "grpo_kl > 5"));
    Files.copy(TESTS, dir.resolve("grpo-alerts.test.yml"));
    Result tests =
        run(
            PrometheusBinaries.promtool(),
            "test",
            "rules",
            dir.resolve("grpo-alerts.test.yml").toString());
    assertThat(tests.exit()).as(tests.output()).isNotZero();
    assertThat(tests.output())
        .contains("alertname: GrpoKlHigh")
        .doesNotContain("alertname: GrpoEntropyCollapse");
  }

  @Test
  void everyAlertHasAFiringAndASilentTestCase() throws IOException {
    Map<String, Object> tests = new Yaml().load(Files.readString(TESTS));
    Map<String, TreeSet<String>> cases = new TreeMap<>();
    for (Object t : list(tests.get("tests"))) {
      for (Object a : list(map(t).get("alert_rule_test"))) {
        Map<String, Object> check = map(a);
        String kind = list(check.get("exp_alerts")).isEmpty() ? "silent" : "fires";
        cases.computeIfAbsent((String) check.get("alertname"), k -> new TreeSet<>()).add(kind);
      }
    }
    for (String alert : alertNames()) {
      assertThat(cases.get(alert)).as(alert).containsExactly("fires", "silent");
    }
    assertThat(cases.keySet()).containsExactlyInAnyOrderElementsOf(alertNames());
  }

  @Test
  void thePrometheusRuleInKubernetesHasTheSameRulesAsTheFile() throws IOException {
    Map<String, Object> file = new Yaml().load(Files.readString(RULES));
    Map<String, Object> rule =
        KubernetesManifests.load(ROOT.resolve("k8s")).get("PrometheusRule", "grpo-alerts");
    assertThat(rule).containsEntry("apiVersion", "monitoring.coreos.com/v1");
    assertThat(map(rule.get("spec")).get("groups"))
        .as("k8s/50-monitoring.yaml PrometheusRule grpo-alerts spec.groups")
        .isEqualTo(file.get("groups"));
  }

  @Test
  void composeLoadsTheRulesFromWhereItMountsThem() throws IOException {
    Map<String, Object> prometheus =
        new Yaml().load(Files.readString(ROOT.resolve("deploy/prometheus/prometheus.yml")));
    assertThat(list(prometheus.get("rule_files"))).containsExactly("alerts/grpo-alerts.yml");
    Map<String, Object> compose =
        new Yaml().load(Files.readString(ROOT.resolve("docker-compose.yml")));
    Map<String, Object> service = map(map(compose.get("services")).get("prometheus"));
    // Prometheus resolves rule_files against the directory of its configuration file
    assertThat(list(service.get("volumes")))
        .contains(
            "./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro",
            "./deploy/prometheus/alerts:/etc/prometheus/alerts:ro");
  }

  private static List<String> alertNames() throws IOException {
    Map<String, Object> file = new Yaml().load(Files.readString(RULES));
    List<String> names = new ArrayList<>();
    for (Object g : list(file.get("groups"))) {
      for (Object r : list(map(g).get("rules"))) {
        names.add((String) map(r).get("alert"));
      }
    }
    return names;
  }

  private record Result(int exit, String output) {}

  private static Result run(Path binary, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    // promtool's output is short; reading it to the end waits for the process
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(command + " did not end within 60 s:\n" + out);
    }
    return new Result(p.exitValue(), out);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object o) {
    return o == null ? List.of() : (List<Object>) o;
  }
}
