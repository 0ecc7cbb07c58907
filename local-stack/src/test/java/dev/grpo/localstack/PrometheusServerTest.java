package dev.grpo.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

class PrometheusServerTest {

  private static final Path CONFIG =
      Path.of("..", "deploy", "prometheus", "prometheus.yml").toAbsolutePath().normalize();

  @Test
  @SuppressWarnings("unchecked")
  void theRepositoryConfigurationScrapesTheTestsPortsEverySecondWithItsRules() throws IOException {
    Map<String, Object> config = new Yaml().load(Files.readString(CONFIG));
    Map<String, Object> out =
        PrometheusServer.rewrite(
            config,
            Map.of("trainer-service", 41001, "rollout-service", 41002, "reward-service", 41003),
            CONFIG.getParent());

    assertThat((Map<String, Object>) out.get("global"))
        .containsEntry("scrape_interval", "1s")
        .containsEntry("evaluation_interval", "1s");
    assertThat((List<String>) out.get("rule_files"))
        .containsExactly(CONFIG.getParent().resolve("alerts/grpo-alerts.yml").toString());
    List<Map<String, Object>> jobs = (List<Map<String, Object>>) out.get("scrape_configs");
    assertThat(jobs)
        .extracting(j -> j.get("job_name") + " " + j.get("static_configs"))
        .containsExactly(
            "trainer-service [{targets=[localhost:41001]}]",
            "rollout-service [{targets=[localhost:41002]}]",
            "reward-service [{targets=[localhost:41003]}]");
    assertThat(jobs)
        .allSatisfy(j -> assertThat(j).containsEntry("metrics_path", "/actuator/prometheus"));
  }

  @Test
  void aJobWithoutAPortOrAPortWithoutAJobIsAMistake() throws IOException {
    Map<String, Object> config = new Yaml().load(Files.readString(CONFIG));
    assertThatThrownBy(
            () ->
                PrometheusServer.rewrite(
                    config, Map.of("trainer-service", 1, "rollout-service", 2), CONFIG.getParent()))
        .hasMessageContaining("no port for the scrape job reward-service");
    assertThatThrownBy(
            () ->
                PrometheusServer.rewrite(
                    config,
                    Map.of("trainer-service", 1, "rollout-service", 2, "reward-service", 3, "x", 4),
                    CONFIG.getParent()))
        .hasMessageContaining("no scrape job named [x]");
  }
}
