package dev.grpo.rewardmodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.grpo.policy.model.ModelPreset;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The service as the reward service calls it: {@code POST /score}, {@code /health}, {@code /rule}.
 */
@SpringBootTest(
    classes = RewardModelServiceApplication.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"grpo.reward-model.max-forward-batch=2", "grpo.rule.time-budget=5s"})
class RewardModelServiceIT {

  private static Path checkpoint;

  @DynamicPropertySource
  static void checkpoint(DynamicPropertyRegistry registry) throws IOException {
    Path dir = Files.createTempDirectory("rm-service-it");
    checkpoint = Checkpoints.write(dir.resolve("rm"), ModelPreset.TINY, 9);
    registry.add("grpo.reward-model.checkpoint", checkpoint::toString);
    registry.add("grpo.reward-model.rule-name", () -> "digit_preference");
  }

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private final HttpClient http = HttpClient.newHttpClient();

  @LocalServerPort int port;

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest.Builder at(String path) {
    return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path));
  }

  @Test
  void scoresAGroupOverHttpWithExplicitStatuses() throws Exception {
    HttpResponse<String> scored =
        send(
            at("/score")
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        """
                        {"items": [
                          {"id": "a", "prompt": "7", "completion": "<answer>7</answer>"},
                          {"id": "b", "prompt": "7", "completion": "<answer>3</answer>"},
                          {"id": "c", "prompt": "7", "completion": null},
                          {"id": "d", "prompt": "7", "completion": "%s"}]}
                        """
                            .formatted("x".repeat(700)))));
    assertThat(scored.statusCode()).as(scored.body()).isEqualTo(200);
    JsonNode results = JSON.readTree(scored.body()).get("results");
    assertThat(results).hasSize(4);
    assertThat(results.get(0).get("status").asString()).isEqualTo("OK");
    assertThat(results.get(1).get("status").asString()).isEqualTo("OK");
    assertThat(results.get(0).get("score").asDouble())
        .isNotCloseTo(results.get(1).get("score").asDouble(), within(1e-7));
    assertThat(results.get(2).get("status").asString()).isEqualTo("INVALID_INPUT");
    assertThat(results.get(3).get("status").asString()).isEqualTo("INVALID_INPUT");
    assertThat(results.get(3).get("details").get("reason").asString())
        .contains("the reward model's context is 512");

    HttpResponse<String> health = send(at("/health").GET());
    assertThat(health.statusCode()).isEqualTo(200);
    JsonNode h = JSON.readTree(health.body());
    assertThat(h.get("status").asString()).isEqualTo("UP");
    assertThat(h.get("rule").asString()).isEqualTo("digit_preference");
    assertThat(h.get("version").asString()).matches("ckpt-[0-9a-f]{12}");

    JsonNode rule = JSON.readTree(send(at("/rule").GET()).body());
    assertThat(rule.get("groupLevel").asBoolean()).isTrue();
    assertThat(rule.get("params").get("checkpoint").asString()).isEqualTo(checkpoint.toString());
    assertThat(rule.get("params").get("maxForwardBatch").asInt()).isEqualTo(2);
    assertThat(rule.get("params").get("normalization").asString()).isEqualTo("none");
  }
}
