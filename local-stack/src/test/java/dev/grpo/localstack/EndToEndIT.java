package dev.grpo.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.grpo.examples.keyword.KeywordRuleApplication;
import dev.grpo.testsupport.DashboardMetrics;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Whole runs on the real stack (embedded PostgreSQL and the three service jars, each in its own
 * JVM), driven only through the REST API as a user would: a run whose rewards include a remote rule
 * served by the example rule service (examples/keyword-rule, in this JVM), the same run with that
 * rule service down under each failure policy, pause / resume / cancel at step boundaries, a sweep,
 * and the dashboard's metrics after it all: exposed by the services, and scraped by a real
 * Prometheus (the repository's scrape configuration and alert rules) that answers every query of
 * the dashboard.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EndToEndIT {

  /** The meters of the dashboard's Pipelines row, checked by PipelineIT instead. */
  private static final String[] PIPELINE_METRICS = {"grpo_pipeline_", "grpo_stage_"};

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static Path state;
  private static StackConfig config;
  private static LocalStack stack;
  private static ConfigurableApplicationContext ruleApp;
  private static String trainer;
  private static String reward;
  private static int pgPort;
  private static PrometheusServer prometheus;
  private static Exception prometheusFailure;
  private static boolean sandboxRuns;

  /**
   * A short run: 4 prompts × 4 samples per step on the tiny model, an eval at the start and the
   * end; with the remote {@code keyword_coverage} rule under {@code keywordPolicy} unless it is
   * null.
   */
  private static String spec(String name, String keywordPolicy, int steps) {
    String remote =
        keywordPolicy == null
            ? ""
            : ", {\"rule\": \"keyword_coverage\", \"weight\": 0.5, \"onFailure\": \""
                + keywordPolicy
                + "\"}";
    return """
        {"name": "%s",
         "data": {"source": "generator", "generatorSize": 64, "evalFraction": 0.1},
         "algorithm": {"groupSize": 4, "beta": 0.04},
         "optimizer": {"learningRate": 0.0005},
         "rollout": {"maxTokens": 12},
         "rewards": [{"rule": "math_accuracy", "weight": 1.0},
                     {"rule": "format", "weight": 0.2}%s],
         "schedule": {"steps": %d, "promptsPerStep": 4, "checkpointEvery": 2, "evalEvery": 0},
         "evaluation": {"samples": 4},
         "seed": 11}
        """
        .formatted(name, remote, steps);
  }

  @BeforeAll
  static void start() throws Exception {
    state = Files.createTempDirectory("grpo-e2e");
    // the launcher logs through slf4j-simple; the in-JVM rule service must not insist on Logback
    System.setProperty("org.springframework.boot.logging.LoggingSystem", "none");
    ruleApp =
        new SpringApplicationBuilder(KeywordRuleApplication.class)
            .run(
                "--server.port=0",
                "--spring.config.name=keyword-rule-e2e",
                // the test class path carries the ledger's JPA and Flyway; the rule needs neither
                "--spring.autoconfigure.exclude="
                    + "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration,"
                    + "org.springframework.boot.hibernate.autoconfigure.HibernateJpaAutoConfiguration,"
                    + "org.springframework.boot.data.jpa.autoconfigure"
                    + ".DataJpaRepositoriesAutoConfiguration,"
                    + "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration",
                "--spring.main.banner-mode=off",
                "--keyword-rule.keywords=think,answer");
    Map<String, String> env = new HashMap<>();
    env.put("GRPO_HOME", Path.of("..").toAbsolutePath().normalize().toString());
    env.put("GRPO_STATE_DIR", state.toString());
    env.put("GRPO_API_KEY", "e2e-key");
    env.put("GRPO_TRAINER_PORT", Integer.toString(freePort()));
    env.put("GRPO_ROLLOUT_PORT", Integer.toString(freePort()));
    env.put("GRPO_REWARD_PORT", Integer.toString(freePort()));
    pgPort = freePort();
    env.put("GRPO_PG_PORT", Integer.toString(pgPort));
    env.put("GRPO_JAVA_OPTS", "-Xmx768m -XX:TieredStopAtLevel=1");
    config = StackConfig.fromEnvironment(env);
    stack = new LocalStack(config, new PrintStream(System.out, true, StandardCharsets.UTF_8));
    stack.start();
    trainer = config.services().get(0).url();
    reward = config.services().get(2).url();
    // scrapes from the start, so the rates of the dashboard have the runs below in their windows;
    // without the binary the Prometheus tests fail (or skip) on their own and the rest still runs
    var binary = PrometheusBinaries.find("prometheus");
    if (binary.isPresent()) {
      Map<String, Integer> ports = new HashMap<>();
      config.services().forEach(s -> ports.put(s.name(), s.port()));
      try {
        prometheus =
            PrometheusServer.start(
                binary.get(),
                Path.of("..", "deploy", "prometheus", "prometheus.yml"),
                ports,
                Files.createDirectories(state.resolve("prometheus")));
      } catch (IOException | RuntimeException e) {
        // reported by the Prometheus tests; the others still run
        prometheusFailure = e;
      }
    }
  }

  @AfterAll
  static void stop() {
    if (prometheus != null) {
      prometheus.close();
    }
    if (stack != null) {
      stack.close();
    }
    if (ruleApp != null) {
      ruleApp.close();
    }
  }

  @Test
  @Order(1)
  void aRunTrainsWithARemoteRuleAndShowsItsStepsSamplesAndEvents() throws Exception {
    int rulePort = ruleApp.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
    JsonNode registered =
        post(
            reward + "/api/v1/rules",
            "{\"name\": \"keyword_coverage\", \"version\": \"1.0\", \"url\":"
                + " \"http://localhost:"
                + rulePort
                + "\", \"timeoutMs\": 5000}",
            201);
    assertThat(registered.get("health").asString()).isEqualTo("UP");

    String run = create(spec("remote-ok", "fail", 3));
    JsonNode done = awaitRun(run, r -> r.get("state").asString().equals("SUCCEEDED"));
    assertThat(done.get("currentStep").asInt()).isEqualTo(3);
    assertThat(done.get("policyVersion").asLong()).isEqualTo(4);

    JsonNode steps = get(trainer + "/api/v1/runs/" + run + "/steps").get("steps");
    assertThat(steps).hasSize(3);
    for (JsonNode step : steps) {
      assertThat(step.get("state").asString()).isEqualTo("DONE");
      JsonNode m = step.get("metrics");
      assertThat(m.get("completions").asInt()).isEqualTo(16);
      assertThat(m.get("rules").get("keyword_coverage").get("ok").asInt()).isEqualTo(16);
      assertThat(m.get("skipped_completions").asInt()).isZero();
      assertThat(step.get("phaseTimings").get("training").asDouble()).isPositive();
      // the embedded backend's log-probs against the trainer's recomputation over HTTP and the
      // ledger: the same arithmetic in float32, so they agree to rounding
      System.out.printf(
          "rollout/trainer mismatch, step %s: k1 %s, k3 %s, IS weight mean %s, max %s%n",
          step.get("step"),
          m.get("mismatch_kl"),
          m.get("mismatch_kl_k3"),
          m.get("mismatch_is_weight_mean"),
          m.get("mismatch_is_weight_max"));
      assertThat(Math.abs(m.get("mismatch_kl").asDouble())).isLessThan(1e-5);
      assertThat(m.get("mismatch_is_weight_max").asDouble()).isBetween(1.0, 1.001);
    }
    JsonNode samples = get(trainer + "/api/v1/runs/" + run + "/samples?step=1&size=100");
    assertThat(samples.get("totalItems").asInt()).isEqualTo(16);
    for (JsonNode s : samples.get("samples")) {
      List<String> rules = new ArrayList<>();
      s.get("rewards").forEach(r -> rules.add(r.get("rule").asString()));
      assertThat(rules).containsExactly("format", "keyword_coverage", "math_accuracy");
      s.get("rewards").forEach(r -> assertThat(r.get("status").asString()).isEqualTo("OK"));
    }
    JsonNode evals = get(trainer + "/api/v1/runs/" + run + "/evals").get("evals");
    assertThat(evals.findValuesAsString("step")).containsExactly("0", "3");
    assertThat(evals.get(1).get("metrics").get("items").asInt()).isEqualTo(6);
    // R1's held-out metrics from 4 samples per item at T 0.6, top-p 0.95: pass@1 is a mean of
    // c/4 over the 6 items, and pass@j cannot fall as j grows
    JsonNode sampled = evals.get(1).get("metrics").get("sampled");
    assertThat(sampled.get("k").asInt()).isEqualTo(4);
    assertThat(sampled.get("temperature").asDouble()).isEqualTo(0.6);
    double pass1 = sampled.get("pass@1").asDouble();
    assertThat(pass1 * 24).isCloseTo(Math.rint(pass1 * 24), within(1e-9));
    assertThat(sampled.get("pass@2").asDouble()).isBetween(pass1, 1.0);
    assertThat(sampled.get("pass@4").asDouble()).isBetween(sampled.get("pass@2").asDouble(), 1.0);
    assertThat(sampled.get("cons@4").asDouble()).isBetween(0.0, 1.0);

    // the event stream replays the finished run: 3 steps in order, 2 evals, then the end
    String events = sse(trainer + "/api/v1/runs/" + run + "/events");
    List<String> ids =
        events.lines().filter(l -> l.startsWith("id:")).map(l -> l.substring(3)).toList();
    assertThat(ids).containsExactly("0", "1", "2");
    assertThat(events.lines().filter(l -> l.equals("event:eval")).count()).isEqualTo(2);
    assertThat(events).contains("event:end").contains("\"state\":\"SUCCEEDED\"");

    // checkpoints at 0 (the start), 2 (every 2) and 3 (the end), recorded with their digests
    assertThat(
            query(
                "SELECT string_agg(step_no::text, ',' ORDER BY step_no) FROM checkpoint"
                    + " WHERE run_id = '"
                    + run
                    + "'"))
        .isEqualTo("0,2,3");

    // one step can be followed through the three services' logs by its run and step
    for (String service : List.of("trainer-service", "rollout-service", "reward-service")) {
      List<String> lines =
          Files.readAllLines(state.resolve("logs").resolve(service + ".log")).stream()
              .filter(l -> l.contains("[run=" + run + " step=1 req="))
              .toList();
      assertThat(lines).as(service + " log lines of step 1").isNotEmpty();
    }
  }

  @Test
  @Order(2)
  void withTheRuleServiceDownEachFailurePolicyIsAppliedAndCounted() throws Exception {
    ruleApp.close();

    String skip = create(spec("remote-down-skip", "skip", 2));
    awaitRun(skip, r -> r.get("state").asString().equals("SUCCEEDED"));
    JsonNode m =
        get(trainer + "/api/v1/runs/" + skip + "/steps").get("steps").get(0).get("metrics");
    assertThat(m.get("skipped_completions").asInt()).isEqualTo(16);
    assertThat(m.get("rules").get("keyword_coverage").get("ok").asInt()).isZero();
    assertThat(m.get("rules").get("keyword_coverage").get("failed").get("ERROR").asInt())
        .isEqualTo(16);
    // the rule's results are stored as explicit errors, never as a score
    assertThat(
            query(
                "SELECT count(*) FROM reward r JOIN completion c ON c.id = r.completion_id"
                    + " WHERE c.run_id = '"
                    + skip
                    + "' AND r.rule_id = 'keyword_coverage' AND r.status = 'ERROR'"
                    + " AND r.score IS NULL AND c.step_no < 2 AND c.item_key LIKE 'train-%'"))
        .isEqualTo("32");

    String zero = create(spec("remote-down-zero", "zero", 2));
    awaitRun(zero, r -> r.get("state").asString().equals("SUCCEEDED"));
    JsonNode z =
        get(trainer + "/api/v1/runs/" + zero + "/steps").get("steps").get(1).get("metrics");
    assertThat(z.get("zeroed_results").asInt()).isEqualTo(16);
    assertThat(z.get("skipped_completions").asInt()).isZero();
    assertThat(z.get("reward_mean").isNumber()).isTrue();

    String fail = create(spec("remote-down-fail", "fail", 2));
    JsonNode failed = awaitRun(fail, r -> r.get("state").asString().equals("FAILED"));
    assertThat(failed.get("error").asString())
        .contains("step 0 failed 3 times")
        .contains("keyword_coverage answered ERROR");
    JsonNode step0 = get(trainer + "/api/v1/runs/" + fail + "/steps").get("steps").get(0);
    assertThat(step0.get("state").asString()).isEqualTo("FAILED");
    assertThat(step0.get("metrics").get("attempt").asInt()).isEqualTo(3);

    String metrics = text(trainer + "/actuator/prometheus");
    assertThat(counter(metrics, "grpo_reward_failures_total", skip, "skip")).isEqualTo(32.0);
    assertThat(counter(metrics, "grpo_reward_failures_total", zero, "zero")).isEqualTo(32.0);
    assertThat(counter(metrics, "grpo_reward_failures_total", fail, "fail")).isEqualTo(3.0);
  }

  @Test
  @Order(3)
  void pauseResumeAndCancelTakeEffectAtStepBoundaries() throws Exception {
    String run = create(spec("long", null, 200));
    awaitRun(run, r -> r.get("currentStep").asInt() >= 2);
    post(trainer + "/api/v1/runs/" + run + "/pause", "", 200);
    // the step in flight finishes, then the trainer checkpoints and lets go of the run
    awaitLedger(
        "SELECT lease_owner IS NULL FROM run WHERE id = '" + run + "'", "t", Duration.ofMinutes(2));
    JsonNode paused = get(trainer + "/api/v1/runs/" + run);
    assertThat(paused.get("state").asString()).isEqualTo("PAUSED");
    int at = paused.get("currentStep").asInt();
    assertThat(
            query(
                "SELECT count(*) FROM checkpoint WHERE run_id = '" + run + "' AND step_no = " + at))
        .as("a paused run is checkpointed where it stopped")
        .isEqualTo("1");
    Thread.sleep(3000);
    assertThat(get(trainer + "/api/v1/runs/" + run).get("currentStep").asInt()).isEqualTo(at);
    assertThat(query("SELECT count(*) FROM run_step WHERE run_id = '" + run + "'"))
        .isEqualTo(Integer.toString(at));

    post(trainer + "/api/v1/runs/" + run + "/resume", "", 200);
    awaitRun(run, r -> r.get("currentStep").asInt() >= at + 2);
    post(trainer + "/api/v1/runs/" + run + "/cancel", "", 200);
    awaitLedger(
        "SELECT count(*) FROM run_step WHERE run_id = '" + run + "' AND finished_at IS NULL",
        "0",
        Duration.ofMinutes(2));
    Thread.sleep(3000);
    int last =
        Integer.parseInt(query("SELECT count(*) FROM run_step WHERE run_id = '" + run + "'"));
    Thread.sleep(3000);
    assertThat(query("SELECT count(*) FROM run_step WHERE run_id = '" + run + "'"))
        .as("no step starts after the cancel")
        .isEqualTo(Integer.toString(last));
    JsonNode cancelled = get(trainer + "/api/v1/runs/" + run);
    assertThat(cancelled.get("state").asString()).isEqualTo("CANCELLED");
    assertThat(cancelled.get("currentStep").asInt()).isLessThan(200);
    // resumed where it paused: every step number exactly once, no gap
    assertThat(
            query(
                "SELECT count(DISTINCT step_no) = max(step_no) + 1 FROM run_step WHERE run_id = '"
                    + run
                    + "'"))
        .isEqualTo("t");
  }

  @Test
  @Order(4)
  void aSweepRunsOnePointEachAndComparesThem() throws Exception {
    String base = spec("base", null, 2);
    JsonNode sweep =
        post(
            trainer + "/api/v1/sweeps",
            "{\"name\": \"beta\", \"base\": " + base + ", \"grid\": {\"beta\": [0.0, 0.04]}}",
            201);
    String id = sweep.get("id").asString();
    for (JsonNode r : sweep.get("runs")) {
      awaitRun(r.get("runId").asString(), x -> x.get("state").asString().equals("SUCCEEDED"));
    }
    JsonNode view = get(trainer + "/api/v1/sweeps/" + id);
    assertThat(view.get("runs")).hasSize(2);
    for (JsonNode r : view.get("runs")) {
      assertThat(r.get("finalMetrics").get("reward_mean").isNumber()).isTrue();
      assertThat(r.get("finalMetrics").get("eval_accuracy").isNumber()).isTrue();
    }
    assertThat(view.get("bestBy").asString()).isEqualTo("eval_accuracy");
    assertThat(view.get("best").isNull()).isFalse();
  }

  @Test
  @Order(5)
  void dynamicSamplingDropsGroupsWhoseRewardsAgreeAndRefillsThem() throws Exception {
    String run =
        create(
            spec("dapo", null, 2)
                .replace(
                    "\"algorithm\": {\"groupSize\": 4,",
                    "\"algorithm\": {\"dynamicSampling\": {\"enabled\": true,"
                        + " \"maxRefillRounds\": 2}, \"groupSize\": 4,"));
    awaitRun(run, r -> r.get("state").asString().equals("SUCCEEDED"));
    for (JsonNode step : get(trainer + "/api/v1/runs/" + run + "/steps").get("steps")) {
      int s = step.get("step").asInt();
      JsonNode dyn = step.get("metrics").get("dynamic_sampling");
      int sampled = dyn.get("groups_sampled").asInt();
      int dropped = dyn.get("groups_dropped").asInt();
      int rounds = dyn.get("rounds").asInt();
      // the ledger holds every group the step sampled, refills included
      String where =
          " WHERE c.run_id = '" + run + "' AND c.step_no = " + s + " AND c.item_key LIKE 'train-%'";
      assertThat(query("SELECT count(DISTINCT item_key) FROM completion c" + where))
          .isEqualTo(Integer.toString(sampled));
      // a dropped group is one whose weighted rewards all agree, recomputed from the reward rows
      String agreeing =
          query(
              "SELECT count(*) FROM (SELECT c.item_key FROM completion c JOIN ("
                  + " SELECT completion_id, sum(CASE rule_id WHEN 'math_accuracy' THEN 1.0"
                  + " ELSE 0.2 END * score) AS total FROM reward GROUP BY completion_id) t"
                  + " ON t.completion_id = c.id"
                  + where
                  + " GROUP BY c.item_key HAVING max(t.total) = min(t.total)) g");
      assertThat(dropped).as("step %d", s).isEqualTo(Integer.parseInt(agreeing));
      assertThat(dyn.get("dropped_fraction").asDouble())
          .isCloseTo((double) dropped / sampled, org.assertj.core.data.Offset.offset(1e-12));
      // refills happen exactly while fewer than 4 groups with signal were found, up to the cap
      assertThat(rounds).isBetween(1, 3);
      // round 1 asks 4 prompts, each refill as many as are still missing (at least one)
      assertThat(sampled).isBetween(4 + (rounds - 1), 4 * rounds);
      boolean enough = sampled - dropped >= 4;
      assertThat(enough || rounds == 3).as("stopped early without enough groups").isTrue();
      assertThat(step.get("metrics").get("prompts").asInt()).isEqualTo(4);
    }
    assertThat(text(trainer + "/actuator/prometheus"))
        .contains("grpo_dynamic_sampling_dropped_fraction{run=\"" + run + "\"");
  }

  @Test
  @Order(6)
  void everyMetricTheDashboardQueriesIsExposedAfterTheRuns() throws Exception {
    // one sandboxed program, so the sandbox meters have a sample when the sandbox can run here
    HttpResponse<String> sandbox =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(reward + "/api/v1/sandbox/run"))
                .header("Authorization", "Bearer " + config.apiKey())
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"language\": \"python\", \"code\": \"print(6*7)\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    sandboxRuns = sandbox.statusCode() == 200 && sandbox.body().contains("42");
    StringBuilder exposed = new StringBuilder();
    for (StackConfig.ServiceSpec spec : config.services()) {
      exposed.append(text(spec.url() + "/actuator/prometheus")).append('\n');
    }
    DashboardMetrics dashboard =
        DashboardMetrics.load(
            Path.of("..", "deploy", "grafana", "dashboards", "grpo-training.json"));
    // the Pipelines row's meters come from pipelines, which this test does not run: PipelineIT
    // checks them in the trainer's exposition
    dashboard = dashboard.metricsWithoutPrefix(PIPELINE_METRICS);
    DashboardMetrics checked =
        sandboxRuns ? dashboard : dashboard.metricsWithPrefix("grpo_", "rollout_", "reward_");
    assertThat(checked.missingFrom(exposed.toString()))
        .as(checked.explainMissing(exposed.toString()))
        .isEmpty();
    assertThat(dashboard.metricsWithPrefix("grpo_").names()).hasSizeGreaterThan(15);
  }

  @Test
  @Order(7)
  void noCompletionOfAnEndedRunIsLeftWithoutARewardOrAnExplicitFailure() throws Exception {
    // the runs above succeeded, failed with the rule service down, were cancelled mid-way and
    // dropped groups by dynamic sampling: each completion a rule of its spec never scored would
    // be a sample whose reward is silently missing
    String ended = "('SUCCEEDED', 'FAILED', 'CANCELLED')";
    assertThat(
            Integer.parseInt(
                query(
                    "SELECT count(*) FROM completion c JOIN run r ON r.id = c.run_id"
                        + " WHERE r.state IN "
                        + ended)))
        .as("completions of ended runs")
        .isGreaterThan(100);
    String missing =
        query(
            """
            SELECT count(*) FROM completion c
            JOIN run r ON r.id = c.run_id
            CROSS JOIN LATERAL (
                SELECT DISTINCT e->>'rule' AS rule FROM jsonb_array_elements(r.spec->'rewards') e) rules
            WHERE r.state IN %s
              AND NOT EXISTS (
                  SELECT 1 FROM reward w WHERE w.completion_id = c.id AND w.rule_id = rules.rule)
            """
                .formatted(ended));
    assertThat(missing).as("(completion, rule) pairs with no reward row").isEqualTo("0");
  }

  @Test
  @Order(8)
  void everyDashboardQueryReturnsSeriesWithItsLegendLabelsFromARealPrometheus() throws Exception {
    PrometheusServer server = requirePrometheus();
    DashboardQueries dashboard =
        DashboardQueries.load(
            Path.of("..", "deploy", "grafana", "dashboards", "grpo-training.json"));
    awaitFreshScrapes(server);
    // the variables take every value Grafana offers for them, as a multi-select of all would
    Map<String, List<String>> values = new HashMap<>();
    for (DashboardQueries.Variable v : dashboard.variables()) {
      List<String> offered = server.labelValues(v.label(), v.match());
      System.out.printf("dashboard variable $%s = %s (%s)%n", v.name(), offered, v.match());
      assertThat(offered).as("values of $" + v.name()).isNotEmpty();
      values.put(v.name(), offered);
    }
    assertThat(values.get("run")).as("the runs of this test").hasSizeGreaterThanOrEqualTo(7);

    List<String> report = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    int checked = 0;
    for (DashboardQueries.Target t : dashboard.targets()) {
      if (!sandboxRuns && t.expr().contains("sandbox_")) {
        report.add("  -  not checked (the sandbox cannot run here)  " + t.expr());
        continue;
      }
      if (java.util.Arrays.stream(PIPELINE_METRICS).anyMatch(t.expr()::contains)) {
        report.add("  -  not checked (no pipeline here; PipelineIT checks it)  " + t.expr());
        continue;
      }
      String promql = t.substituted(values);
      List<Map<String, String>> series = awaitSeries(server, promql, t.legendLabels());
      List<String> missing = new ArrayList<>();
      for (String label : t.legendLabels()) {
        if (series.isEmpty() || series.stream().anyMatch(s -> !s.containsKey(label))) {
          missing.add(label);
        }
      }
      report.add(
          "%4d series  %-34s  %s%s"
              .formatted(
                  series.size(),
                  t.panel(),
                  t.expr(),
                  t.legendLabels().isEmpty() ? "" : "  legend " + t.legendLabels()));
      if (series.isEmpty() || !missing.isEmpty()) {
        failures.add(
            t.panel()
                + ": "
                + promql
                + (series.isEmpty() ? " returned no series" : " lacks labels " + missing));
      }
      checked++;
    }
    System.out.println(
        "dashboard queries against Prometheus (%d checked):%n%s"
            .formatted(checked, String.join("\n", report)));
    assertThat(failures).as(String.join("\n", report)).isEmpty();
    assertThat(checked).isGreaterThanOrEqualTo(sandboxRuns ? 42 : 40);
  }

  @Test
  @Order(9)
  void theAlertRulesLoadEvaluateWithoutErrorsAndQueryMetricsTheServicesExpose() throws Exception {
    PrometheusServer server = requirePrometheus();
    awaitFreshScrapes(server);
    JsonNode groups = server.rules().get("groups");
    List<String> report = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    for (JsonNode group : groups) {
      for (JsonNode rule : group.get("rules")) {
        String name = rule.get("name").asString();
        report.add(
            "  %-26s %-8s health %s"
                .formatted(name, rule.path("state").asString(), rule.get("health").asString()));
        if (!"ok".equals(rule.get("health").asString())) {
          failures.add(name + ": " + rule.path("lastError").asString());
        }
        // every metric an alert reads is exposed by the running stack
        for (String metric : DashboardMetrics.metricNames(rule.get("query").asString())) {
          if (metric.startsWith("sandbox_") && !sandboxRuns) {
            continue;
          }
          if (server.query(metric).isEmpty()) {
            failures.add(name + " reads " + metric + ", which no service exposes");
          }
        }
      }
    }
    System.out.println("alert rules in Prometheus:\n" + String.join("\n", report));
    // the gauges the run alerts gate on: every run above has ended, so no trainer holds one, and
    // each run's progress time lies within this test
    assertThat(server.query("grpo_run_leased == 1")).as("runs still leased").isEmpty();
    assertThat(server.query("grpo_run_leased == 0")).hasSizeGreaterThanOrEqualTo(7);
    assertThat(server.query("time() - grpo_run_progress_timestamp_seconds > 900"))
        .as("progress times older than this test")
        .isEmpty();
    assertThat(server.query("rollout_backend_up{backend=\"embedded\"} == 1")).hasSize(1);
    assertThat(report).hasSize(9);
    assertThat(failures).as(String.join("\n", report)).isEmpty();
  }

  // ------------------------------------------------------------------ helpers

  private static PrometheusServer requirePrometheus() {
    if (prometheusFailure != null) {
      throw new AssertionError("Prometheus did not start", prometheusFailure);
    }
    if (prometheus == null) {
      PrometheusBinaries.require("prometheus");
    }
    return prometheus;
  }

  /** Waits until Prometheus has scraped every service after this moment. */
  private static void awaitFreshScrapes(PrometheusServer server) throws Exception {
    double now = System.currentTimeMillis() / 1000.0;
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      List<Map<String, String>> up = server.query("up == 1 and timestamp(up) > " + now);
      if (up.size() == config.services().size()) {
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError(
        "Prometheus does not scrape all three services: "
            + server.query("up")
            + "\n"
            + server.log());
  }

  /** The query's series once there are some carrying the labels (a fresh scrape may lag). */
  private static List<Map<String, String>> awaitSeries(
      PrometheusServer server, String promql, java.util.Set<String> labels) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    List<Map<String, String>> series = server.query(promql);
    while (System.nanoTime() < deadline
        && (series.isEmpty() || series.stream().anyMatch(s -> !s.keySet().containsAll(labels)))) {
      Thread.sleep(1000);
      series = server.query(promql);
    }
    return series;
  }

  private static String create(String spec) throws Exception {
    return post(trainer + "/api/v1/runs", spec, 201).get("id").asString();
  }

  private static JsonNode awaitRun(String run, Predicate<JsonNode> done) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    JsonNode r = null;
    while (System.nanoTime() < deadline) {
      r = get(trainer + "/api/v1/runs/" + run);
      if (done.test(r)) {
        return r;
      }
      String s = r.get("state").asString();
      if (s.equals("FAILED") || s.equals("CANCELLED") || s.equals("SUCCEEDED")) {
        break;
      }
      Thread.sleep(500);
    }
    throw new AssertionError(
        "run " + run + " did not get there: " + r + "\n" + tail("trainer-service"));
  }

  private static void awaitLedger(String sql, String expected, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (expected.equals(query(sql))) {
        return;
      }
      Thread.sleep(300);
    }
    throw new AssertionError(sql + " never gave " + expected);
  }

  private static String tail(String service) {
    try {
      List<String> lines = Files.readAllLines(state.resolve("logs").resolve(service + ".log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return e.toString();
    }
  }

  private static String query(String sql) throws SQLException {
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:postgresql://localhost:" + pgPort + "/postgres", "postgres", "postgres");
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static double counter(String prometheus, String name, String run, String policy) {
    return prometheus
        .lines()
        .filter(l -> l.startsWith(name + "{"))
        .filter(l -> l.contains("run=\"" + run + "\"") && l.contains("policy=\"" + policy + "\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  private static JsonNode get(String url) throws Exception {
    HttpResponse<String> r =
        HTTP.send(authorized(url).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(url + " " + r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private static String text(String url) throws Exception {
    return HTTP.send(authorized(url).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  /** Reads need the key too (only the probes and the scrape are open). */
  private static HttpRequest.Builder authorized(String url) {
    return HttpRequest.newBuilder(URI.create(url))
        .header("Authorization", "Bearer " + config.apiKey());
  }

  private static String sse(String url) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            authorized(url).timeout(Duration.ofSeconds(60)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body().replace("event: ", "event:").replace("id: ", "id:");
  }

  private static JsonNode post(String url, String body, int expected) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + config.apiKey())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(url + " " + r.body()).isEqualTo(expected);
    return r.body().isEmpty() ? null : JSON.readTree(r.body());
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
