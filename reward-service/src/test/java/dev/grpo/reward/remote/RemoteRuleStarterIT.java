package dev.grpo.reward.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.grpo.examples.keyword.KeywordRuleApplication;
import dev.grpo.testsupport.ServiceHttp;
import dev.grpo.testsupport.ServiceHttp.Response;
import dev.grpo.testsupport.SharedPostgres;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The whole path of a remote rule: the example rule service (examples/keyword-rule, built on
 * reward-rule-starter) runs in this JVM on a free port, is registered with this reward service over
 * HTTP, and scores through {@code POST /api/v1/score} next to {@code math_accuracy}; once it is
 * stopped its results are explicit errors and the totals are null, never 0.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "grpo.reward.api-key=test-key",
      "grpo.ledger.reaper-interval=1h",
      "grpo.reward.remote.health-interval=1h"
    })
class RemoteRuleStarterIT {

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    SharedPostgres.register(registry);
  }

  @LocalServerPort int port;
  @Autowired RemoteRuleService remoteRules;
  private final List<ConfigurableApplicationContext> ruleApps = new ArrayList<>();

  @AfterEach
  void stopRuleApps() {
    ruleApps.forEach(ConfigurableApplicationContext::close);
  }

  /**
   * Starts the example rule service. This test JVM's class path is the reward service's, so the
   * rule service is kept off its database and its application.yml.
   */
  private ConfigurableApplicationContext startRuleApp(int rulePort, String... extra) {
    List<String> args = new ArrayList<>();
    args.add("--server.port=" + rulePort);
    args.add("--spring.config.name=keyword-rule-e2e"); // no such file: not the reward service's
    args.add(
        "--spring.autoconfigure.exclude="
            + "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration,"
            + "org.springframework.boot.hibernate.autoconfigure.HibernateJpaAutoConfiguration,"
            + "org.springframework.boot.data.jpa.autoconfigure.DataJpaRepositoriesAutoConfiguration,"
            + "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration");
    args.add("--spring.main.banner-mode=off");
    args.add("--keyword-rule.keywords=add,carry,check");
    args.addAll(List.of(extra));
    ConfigurableApplicationContext app =
        new SpringApplicationBuilder(KeywordRuleApplication.class).run(args.toArray(String[]::new));
    ruleApps.add(app);
    return app;
  }

  private static int portOf(ConfigurableApplicationContext app) {
    return app.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
  }

  private static final String ITEMS =
      """
      [{"id": "right", "groupId": "g1", "prompt": "17+25?", "reference": {"answer": "42"},
        "completion": "<think>Add 7 and 5, carry the 1, then check: 42-25=17.</think><answer>42</answer>"},
       {"id": "wrong", "groupId": "g1", "prompt": "17+25?", "reference": {"answer": "42"},
        "completion": "<think>I add them.</think><answer>41</answer>"},
       {"id": "bare", "groupId": "g1", "prompt": "17+25?", "reference": {"answer": "42"},
        "completion": "\\\\boxed{42}"}]
      """;

  private Response score(ServiceHttp http) {
    return http.post(
        "/api/v1/score",
        "{\"rules\": [{\"name\": \"math_accuracy\", \"weight\": 1.0},"
            + " {\"name\": \"keyword_coverage\", \"weight\": 0.5}], \"items\": "
            + ITEMS
            + "}");
  }

  // Over 80 lines on purpose: one remote rule's life: register, score, stop, score again.
  @Test
  void theExampleRuleScoresThroughTheRewardServiceAndAStoppedOneIsAnErrorNotAZero() {
    ServiceHttp http = new ServiceHttp(port, "test-key");
    ConfigurableApplicationContext ruleApp = startRuleApp(0);
    int rulePort = portOf(ruleApp);
    String ruleUrl = "http://localhost:" + rulePort;

    // 1. register over HTTP, as an operator would with curl
    Response registered =
        http.post(
            "/api/v1/rules",
            "{\"name\": \"keyword_coverage\", \"version\": \"1.0\", \"url\": \""
                + ruleUrl
                + "\", \"timeoutMs\": 5000}");
    assertThat(registered.status()).as(registered.raw().body()).isEqualTo(201);
    assertThat(registered.json().get("health").asString()).isEqualTo("UP");
    assertThat(registered.json().get("remote").asBoolean()).isTrue();

    // the listing shows the settings the service reports at GET /rule, for this version
    JsonNode listed = null;
    for (JsonNode r : http.get("/api/v1/rules").json().get("rules")) {
      if (r.get("name").asString().equals("keyword_coverage")) {
        listed = r;
      }
    }
    assertThat(listed).isNotNull();
    assertThat(listed.get("version").asString()).isEqualTo("1.0");
    assertThat(listed.get("serviceParams").get("keywords").toString())
        .isEqualTo("[\"add\",\"carry\",\"check\"]");
    assertThat(listed.get("serviceParams").get("caseSensitive").asBoolean()).isFalse();

    // 2. score a group with a built-in rule and the remote one
    Response scored = score(http);
    assertThat(scored.status()).as(scored.raw().body()).isEqualTo(200);
    JsonNode results = scored.json().get("results");

    JsonNode right = results.get(0);
    assertThat(rule(right, 0).get("name").asString()).isEqualTo("math_accuracy");
    assertThat(rule(right, 0).get("score").asDouble()).isEqualTo(1.0);
    assertThat(rule(right, 1).get("name").asString()).isEqualTo("keyword_coverage");
    assertThat(rule(right, 1).get("version").asString()).isEqualTo("1.0");
    assertThat(rule(right, 1).get("status").asString()).isEqualTo("OK");
    assertThat(rule(right, 1).get("score").asDouble()).isEqualTo(1.0);
    assertThat(rule(right, 1).get("details").get("found").toString())
        .isEqualTo("[\"add\",\"carry\",\"check\"]");
    assertThat(right.get("total").asDouble()).isCloseTo(1.5, within(1e-12));
    assertThat(right.get("totalStatus").asString()).isEqualTo("COMPLETE");

    JsonNode wrong = results.get(1);
    assertThat(rule(wrong, 0).get("score").asDouble()).isEqualTo(0.0);
    assertThat(rule(wrong, 1).get("score").asDouble()).isCloseTo(1.0 / 3.0, within(1e-12));
    assertThat(wrong.get("total").asDouble()).isCloseTo(0.5 / 3.0, within(1e-12));

    JsonNode bare = results.get(2);
    assertThat(rule(bare, 0).get("score").asDouble()).isEqualTo(1.0);
    assertThat(rule(bare, 1).get("status").asString()).isEqualTo("OK");
    assertThat(rule(bare, 1).get("score").asDouble()).isEqualTo(0.0);
    assertThat(rule(bare, 1).get("details").get("think").asString()).isEqualTo("missing");
    assertThat(bare.get("total").asDouble()).isCloseTo(1.0, within(1e-12));

    // the group went to the rule service in one call, its three items scored there
    MeterRegistry ruleMeters = ruleApp.getBean(MeterRegistry.class);
    assertThat(ruleMeters.get("http.server.requests").tag("uri", "/score").timer().count())
        .isEqualTo(1);
    assertThat(
            ruleMeters
                .get("reward.rule.results")
                .tag("rule", "keyword_coverage")
                .tag("status", "OK")
                .counter()
                .count())
        .isEqualTo(3.0);

    // 3. the rule service goes away: an explicit ERROR, no total, never a 0
    ruleApp.close();
    JsonNode gone = score(http).json().get("results");
    for (JsonNode item : gone) {
      JsonNode remote = rule(item, 1);
      assertThat(remote.get("status").asString()).isEqualTo("ERROR");
      assertThat(remote.get("score").isNull()).isTrue();
      assertThat(remote.get("details").get("reason").asString())
          .isEqualTo("remote rule keyword_coverage could not be called");
      assertThat(rule(item, 0).get("status").asString()).isEqualTo("OK");
      assertThat(item.get("total").isNull()).isTrue();
      assertThat(item.get("totalStatus").asString()).isEqualTo("INCOMPLETE");
      assertThat(item.get("missingRules").toString()).isEqualTo("[\"keyword_coverage\"]");
    }
    assertThat(gone.get(0).get("partialTotal").asDouble()).isEqualTo(1.0);

    // once the health check has seen it down, it is not even called
    remoteRules.checkAll();
    JsonNode down = rule(score(http).json().get("results").get(0), 1);
    assertThat(down.get("status").asString()).isEqualTo("ERROR");
    assertThat(down.get("details").get("reason").asString()).isEqualTo("rule service down");

    // 4. restarted on its port, it registers itself again and scores again
    ConfigurableApplicationContext restarted =
        startRuleApp(
            rulePort,
            "--grpo.rule.register.url=http://localhost:" + port,
            "--grpo.rule.register.api-key=test-key",
            "--grpo.rule.register.timeout=5s");
    assertThat(awaitRegistration(restarted)).isEqualTo("REGISTERED");
    remoteRules.checkAll();
    JsonNode back = score(http).json().get("results").get(0);
    assertThat(rule(back, 1).get("status").asString()).isEqualTo("OK");
    assertThat(back.get("total").asDouble()).isCloseTo(1.5, within(1e-12));
  }

  private static JsonNode rule(JsonNode item, int index) {
    return item.get("rules").get(index);
  }

  private static String awaitRegistration(ConfigurableApplicationContext ruleApp) {
    ServiceHttp rule = new ServiceHttp(portOf(ruleApp), null);
    long until = System.currentTimeMillis() + 20_000;
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
