package dev.grpo.reward.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelPreset;
import dev.grpo.policy.reward.RewardModel;
import dev.grpo.rewardmodel.RewardModelServiceApplication;
import dev.grpo.testsupport.ServiceHttp;
import dev.grpo.testsupport.ServiceHttp.Response;
import dev.grpo.testsupport.SharedPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The reward-model service (reward-model-service's application, a reward-rule-starter service)
 * registers itself with this reward service through {@code POST /api/v1/rules}, as its README's
 * {@code grpo.rule.register.*} properties make it do, and {@code GET /api/v1/rules} shows it with
 * the version that names its checkpoint and calibration set and the params it scores with ({@code
 * serviceParams}, read from its {@code GET /rule}); it then scores through {@code POST
 * /api/v1/score} with its normalisation, and an over-long completion is an explicit {@code
 * INVALID_INPUT} with no total.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "grpo.reward.api-key=test-key",
      "grpo.ledger.reaper-interval=1h",
      "grpo.reward.remote.health-interval=1h"
    })
class RewardModelRuleRegistrationIT {

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    SharedPostgres.register(registry);
  }

  @LocalServerPort int port;
  @TempDir Path dir;
  private final List<ConfigurableApplicationContext> ruleApps = new ArrayList<>();

  @AfterEach
  void stopRuleApps() {
    ruleApps.forEach(ConfigurableApplicationContext::close);
  }

  /**
   * A reward-model checkpoint as a {@code reward_model} run leaves it: the model's files and a
   * manifest whose sha256 is the checkpoint's identity (its content here is only a list of the
   * files; the service hashes the manifest, not what it says).
   */
  private Path checkpoint() throws Exception {
    Path ckpt = dir.resolve("epoch-1");
    try (RewardModel model =
        RewardModel.withNewHead(
            DecoderModel.randomInit(ModelPreset.TINY.config(), 13, Device.cpu()), 13)) {
      model.save(ckpt);
    }
    Files.writeString(
        ckpt.resolve("manifest.json"),
        "{\"files\": {\"model.safetensors\": \""
            + sha256(ckpt.resolve("model.safetensors"))
            + "\", \"reward_head.safetensors\": \""
            + sha256(ckpt.resolve("reward_head.safetensors"))
            + "\"}}",
        StandardCharsets.UTF_8);
    return ckpt;
  }

  /**
   * Starts the reward-model service with self-registration at this reward service. This test JVM's
   * class path is the reward service's, so the rule service is kept off its database and its
   * application.yml.
   */
  private ConfigurableApplicationContext startRewardModelService(
      Path checkpoint, Path calibration) {
    ConfigurableApplicationContext app =
        new SpringApplicationBuilder(RewardModelServiceApplication.class)
            .run(
                "--server.port=0",
                "--spring.config.name=reward-model-registration-it", // no such file
                "--spring.autoconfigure.exclude="
                    + "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration,"
                    + "org.springframework.boot.hibernate.autoconfigure.HibernateJpaAutoConfiguration,"
                    + "org.springframework.boot.data.jpa.autoconfigure.DataJpaRepositoriesAutoConfiguration,"
                    + "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration",
                "--spring.main.banner-mode=off",
                "--grpo.reward-model.checkpoint=" + checkpoint,
                "--grpo.reward-model.rule-name=learned_reward",
                "--grpo.reward-model.max-forward-batch=3",
                "--grpo.reward-model.normalization.calibration=" + calibration,
                "--grpo.reward-model.normalization.state-dir=" + dir.resolve("rm-state"),
                "--grpo.rule.time-budget=2s",
                "--grpo.rule.register.url=http://localhost:" + port,
                "--grpo.rule.register.api-key=test-key",
                "--grpo.rule.register.timeout=20s");
    ruleApps.add(app);
    return app;
  }

  private static final List<String> CALIBRATION =
      List.of(
          "<think>3+4</think><answer>7</answer>",
          "<think>3+4</think><answer>8</answer>",
          "<answer>7</answer>",
          "7",
          "<think>add</think><answer>12</answer>");

  // Over 80 lines on purpose: one registration read back field by field, then one score.
  @Test
  void theRewardModelServiceRegistersItselfAndIsListedWithItsCheckpointVersionAndParams()
      throws Exception {
    Path checkpoint = checkpoint();
    Path calibration = dir.resolve("calibration.jsonl");
    StringBuilder lines = new StringBuilder();
    for (String completion : CALIBRATION) {
      lines.append("{\"prompt\": \"3+4=\", \"completion\": \"").append(completion).append("\"}\n");
    }
    Files.writeString(calibration, lines, StandardCharsets.UTF_8);
    ConfigurableApplicationContext rm = startRewardModelService(checkpoint, calibration);
    assertThat(awaitRegistration(rm)).isEqualTo("REGISTERED");

    ServiceHttp http = new ServiceHttp(port, "test-key");
    JsonNode listed = null;
    for (JsonNode r : http.get("/api/v1/rules").json().get("rules")) {
      if (r.get("name").asString().equals("learned_reward")) {
        listed = r;
      }
    }
    assertThat(listed).as("learned_reward in GET /api/v1/rules").isNotNull();
    String manifestSha = sha256(checkpoint.resolve("manifest.json"));
    String calibrationSha = sha256(calibration);
    // the version names the checkpoint (its manifest's sha256) and the calibration set
    assertThat(listed.get("version").asString())
        .isEqualTo(
            "ckpt-" + manifestSha.substring(0, 12) + "-norm-" + calibrationSha.substring(0, 8));
    assertThat(listed.get("remote").asBoolean()).isTrue();
    assertThat(listed.get("health").asString()).isEqualTo("UP");
    JsonNode params = listed.get("serviceParams");
    assertThat(params.get("checkpoint").asString()).isEqualTo(checkpoint.toString());
    assertThat(params.get("checkpointSha256").asString()).isEqualTo(manifestSha);
    assertThat(params.get("maxForwardBatch").asInt()).isEqualTo(3);
    assertThat(params.get("maxTokens").asInt()).isEqualTo(512);
    JsonNode normalization = params.get("normalization");
    assertThat(normalization.get("count").asInt()).isEqualTo(CALIBRATION.size());
    assertThat(normalization.get("calibrationSha256").asString()).isEqualTo(calibrationSha);

    // scored through the reward service: the calibration completions' raw rewards (in the
    // details) have the listed mean and population std, and the score is (raw - mean) / std
    StringBuilder items = new StringBuilder("[");
    for (int i = 0; i < CALIBRATION.size(); i++) {
      items
          .append(i == 0 ? "" : ",")
          .append("{\"id\": \"c")
          .append(i)
          .append("\", \"groupId\": \"g\", \"prompt\": \"3+4=\", \"completion\": \"")
          .append(CALIBRATION.get(i))
          .append("\"}");
    }
    items
        .append(",{\"id\": \"long\", \"groupId\": \"g\", \"prompt\": \"3+4=\", \"completion\": \"")
        .append("x".repeat(600))
        .append("\"}]");
    Response scored =
        http.post(
            "/api/v1/score",
            "{\"rules\": [{\"name\": \"learned_reward\", \"weight\": 1.0}], \"items\": "
                + items
                + "}");
    assertThat(scored.status()).as(scored.raw().body()).isEqualTo(200);
    JsonNode results = scored.json().get("results");
    double[] raw = new double[CALIBRATION.size()];
    double mean = normalization.get("mean").asDouble();
    double std = normalization.get("std").asDouble();
    for (int i = 0; i < CALIBRATION.size(); i++) {
      JsonNode rule = results.get(i).get("rules").get(0);
      assertThat(rule.get("status").asString()).isEqualTo("OK");
      assertThat(rule.get("version").asString()).isEqualTo(listed.get("version").asString());
      raw[i] = rule.get("details").get("raw").asDouble();
      assertThat(rule.get("score").asDouble()).isCloseTo((raw[i] - mean) / std, within(1e-5));
    }
    double rawMean = java.util.Arrays.stream(raw).average().orElseThrow();
    double rawVariance =
        java.util.Arrays.stream(raw).map(r -> (r - rawMean) * (r - rawMean)).sum() / raw.length;
    assertThat(mean).isCloseTo(rawMean, within(1e-5));
    assertThat(std).isCloseTo(Math.sqrt(rawVariance), within(1e-5));
    assertThat(std).as("a random head still separates these completions").isGreaterThan(1e-4);

    JsonNode tooLong = results.get(CALIBRATION.size());
    assertThat(tooLong.get("rules").get(0).get("status").asString()).isEqualTo("INVALID_INPUT");
    assertThat(tooLong.get("rules").get(0).get("score").isNull()).isTrue();
    assertThat(tooLong.get("total").isNull()).isTrue();
    assertThat(tooLong.get("totalStatus").asString()).isEqualTo("INCOMPLETE");
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  private static String awaitRegistration(ConfigurableApplicationContext ruleApp) {
    ServiceHttp rule =
        new ServiceHttp(
            ruleApp.getEnvironment().getRequiredProperty("local.server.port", Integer.class), null);
    long until = System.currentTimeMillis() + 30_000;
    String state = null;
    while (System.currentTimeMillis() < until) {
      state = rule.get("/rule").json().get("registration").get("state").asString();
      if (!state.equals("PENDING")) {
        return state;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return state;
      }
    }
    return state;
  }
}
