package dev.grpo.trainer.rm;

import dev.grpo.rewardmodel.RewardModelServiceApplication;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The real reward-model service ({@code reward-model-service}'s application and its {@code
 * LearnedRewardRule}, on reward-rule-starter) booted in this JVM on a free port, called over HTTP
 * the way the reward service calls a remote rule: one group per {@code POST /score}.
 */
final class LearnedRewardService implements AutoCloseable {

  /**
   * A completion's learned reward: the rule's status, the served (normalised) score and the model's
   * raw one (both NaN unless the status is {@code OK}).
   */
  record Score(String status, double normalised, double raw) {
    boolean ok() {
      return status.equals("OK");
    }
  }

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private final ConfigurableApplicationContext app;
  private final String url;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final JsonNode rule;

  private LearnedRewardService(ConfigurableApplicationContext app) throws Exception {
    this.app = app;
    this.url =
        "http://localhost:"
            + app.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
    this.rule = get("/rule");
  }

  /**
   * Boots the service on {@code checkpoint}, normalised by {@code calibration} (statistics kept in
   * {@code stateDir}). This JVM's class path is the trainer's, so the service is kept off its
   * database and its application.yml.
   */
  static LearnedRewardService start(Path checkpoint, Path calibration, Path stateDir)
      throws Exception {
    List<String> args = new ArrayList<>();
    args.add("--server.port=0");
    args.add("--spring.config.name=learned-reward-example"); // no such file: not the trainer's
    args.add(
        "--spring.autoconfigure.exclude="
            + "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration,"
            + "org.springframework.boot.hibernate.autoconfigure.HibernateJpaAutoConfiguration,"
            + "org.springframework.boot.data.jpa.autoconfigure.DataJpaRepositoriesAutoConfiguration,"
            + "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration");
    args.add("--spring.main.banner-mode=off");
    args.add("--grpo.reward-model.checkpoint=" + checkpoint.toAbsolutePath());
    args.add("--grpo.reward-model.rule-name=learned_reward");
    if (calibration != null) {
      args.add("--grpo.reward-model.normalization.calibration=" + calibration.toAbsolutePath());
      args.add("--grpo.reward-model.normalization.state-dir=" + stateDir.toAbsolutePath());
    }
    args.add("--grpo.rule.time-budget=2s");
    ConfigurableApplicationContext app =
        new SpringApplicationBuilder(RewardModelServiceApplication.class)
            .run(args.toArray(String[]::new));
    try {
      return new LearnedRewardService(app);
    } catch (Exception | Error e) {
      app.close();
      throw e;
    }
  }

  String url() {
    return url;
  }

  String ruleName() {
    return rule.path("name").asString();
  }

  String version() {
    return rule.path("version").asString();
  }

  /**
   * The scores of one group, in order; a completion the service did not score has its status
   * ({@code INVALID_INPUT}, {@code TIMEOUT}, {@code ERROR}) and NaN scores.
   */
  List<Score> scoreGroup(String prompt, List<String> completions) throws Exception {
    List<Map<String, Object>> items = new ArrayList<>();
    for (int i = 0; i < completions.size(); i++) {
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("id", Integer.toString(i));
      item.put("groupId", prompt);
      item.put("prompt", prompt);
      item.put("completion", completions.get(i));
      items.add(item);
    }
    return score(items);
  }

  /** The raw scores of every line of a calibration file, in one call. */
  double[] calibrationRaw(Path calibration) throws Exception {
    List<Map<String, Object>> items = new ArrayList<>();
    int i = 0;
    for (String line : Files.readAllLines(calibration, StandardCharsets.UTF_8)) {
      JsonNode row = JSON.readTree(line);
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("id", Integer.toString(i++));
      item.put("prompt", row.path("prompt").asString());
      item.put("completion", row.path("completion").asString());
      items.add(item);
    }
    List<Score> scores = score(items);
    double[] raw = new double[scores.size()];
    for (int k = 0; k < raw.length; k++) {
      if (!scores.get(k).ok()) {
        throw new IllegalStateException("calibration item " + k + " was not scored");
      }
      raw[k] = scores.get(k).raw();
    }
    return raw;
  }

  private List<Score> score(List<Map<String, Object>> items) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(url + "/score"))
                .timeout(Duration.ofMinutes(2))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        JSON.writeValueAsString(Map.of("items", items))))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException(
          "POST /score answered " + response.statusCode() + ": " + response.body());
    }
    List<Score> out = new ArrayList<>();
    for (JsonNode r : JSON.readTree(response.body()).path("results")) {
      String status = r.path("status").asString();
      if (!"OK".equals(status)) {
        out.add(new Score(status, Double.NaN, Double.NaN));
        continue;
      }
      double served = r.path("score").asDouble();
      JsonNode raw = r.path("details").path("raw");
      out.add(new Score(status, served, raw.isNumber() ? raw.asDouble() : served));
    }
    if (out.size() != items.size()) {
      throw new IOException("POST /score answered " + out.size() + " results for " + items.size());
    }
    return out;
  }

  private JsonNode get(String path) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(url + path)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(response.body());
  }

  @Override
  public void close() {
    app.close();
  }
}
