package dev.grpo.trainer.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.testsupport.ServiceHttp;
import dev.grpo.testsupport.ServiceHttp.Response;
import dev.grpo.testsupport.SharedPostgres;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "grpo.trainer.api-key=test-key",
      "grpo.trainer.check-services=false",
      "grpo.api.read.key=read-key",
      "grpo.ledger.reaper-interval=1h",
      "grpo.trainer.orchestrator.enabled=false"
    })
class RunApiIT {

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    SharedPostgres.register(registry);
  }

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;
  ServiceHttp http;

  @BeforeEach
  void client() {
    http = new ServiceHttp(port, "test-key");
  }

  private static final String SPEC =
      """
      {"name": "arith-beta-0.02", "algorithm": {"groupSize": 4, "beta": 0.02},
       "schedule": {"steps": 20, "promptsPerStep": 4, "checkpointEvery": 5}}
      """;

  private JsonNode create(String spec) {
    Response r = http.post("/api/v1/runs", spec);
    assertThat(r.status()).as(r.raw().body()).isEqualTo(201);
    return r.json();
  }

  @Test
  void aCreatedRunIsQueuedWithItsResolvedSpecAndCanBeReadBack() {
    Response r = http.post("/api/v1/runs", SPEC);
    assertThat(r.status()).isEqualTo(201);
    String id = r.json().get("id").asString();
    assertThat(r.header("Location")).isEqualTo("/api/v1/runs/" + id);
    assertThat(r.json().get("state").asString()).isEqualTo("QUEUED");
    assertThat(r.json().get("name").asString()).isEqualTo("arith-beta-0.02");
    JsonNode spec = r.json().get("spec");
    assertThat(spec.get("algorithm").get("beta").asDouble()).isEqualTo(0.02);
    assertThat(spec.get("algorithm").get("lossAggregation").asString()).isEqualTo("dapo");
    assertThat(spec.get("optimizer").get("learningRate").asDouble()).isEqualTo(1e-6);

    Response got = http.get("/api/v1/runs/" + id);
    assertThat(got.status()).isEqualTo(200);
    assertThat(got.json().get("spec")).isEqualTo(spec);
  }

  @Test
  void undefinedAlgorithmCombinationsAre400ProblemsNamingTheirFields() {
    Response crossed =
        http.post(
            "/api/v1/runs",
            """
            {"name": "gspo-dapo", "algorithm": {"policyLoss": "gspo", "lossAggregation": "dapo",
               "advantageEstimator": "rloo", "rewardScaling": "group",
               "referenceSync": {"mode": "reset", "alpha": 0.5}}}
            """);
    assertThat(crossed.status()).isEqualTo(400);
    assertThat(crossed.contentType()).startsWith("application/problem+json");
    List<String> fields = new ArrayList<>();
    crossed.json().get("errors").forEach(e -> fields.add(e.get("field").asString()));
    assertThat(fields)
        .containsExactlyInAnyOrder(
            "algorithm.lossAggregation",
            "algorithm.rewardScaling",
            "algorithm.referenceSync.alpha");

    Response cispo =
        http.post(
            "/api/v1/runs",
            """
            {"algorithm": {"policyLoss": "cispo", "dualClip": 3.0}}
            """);
    assertThat(cispo.status()).isEqualTo(400);
    assertThat(cispo.json().get("errors").get(0).get("field").asString())
        .isEqualTo("algorithm.dualClip");

    Response ranges =
        http.post(
            "/api/v1/runs",
            """
            {"algorithm": {"referenceSync": {"mode": "ema", "everyUpdates": 0, "alpha": 1.5}}}
            """);
    assertThat(ranges.status()).isEqualTo(400);
    assertThat(ranges.contentType()).startsWith("application/problem+json");
    List<String> rangeFields = new ArrayList<>();
    ranges.json().get("errors").forEach(e -> rangeFields.add(e.get("field").asString()));
    assertThat(rangeFields)
        .containsExactlyInAnyOrder(
            "algorithm.referenceSync.everyUpdates", "algorithm.referenceSync.alpha");
  }

  @Test
  void aGspoRunStoresItsResolvedAlgorithm() {
    JsonNode created =
        create(
            """
            {"name": "gspo", "algorithm": {"policyLoss": "gspo",
               "advantageEstimator": "reinforce_plus_plus_baseline",
               "referenceSync": {"mode": "ema", "everyUpdates": 8}}}
            """);
    JsonNode a = created.get("spec").get("algorithm");
    assertThat(a.get("policyLoss").asString()).isEqualTo("gspo");
    assertThat(a.get("lossAggregation").asString()).isEqualTo("grpo");
    assertThat(a.get("epsilonLow").asDouble()).isEqualTo(3e-4);
    assertThat(a.get("epsilonHigh").asDouble()).isEqualTo(4e-4);
    assertThat(a.get("advantageEstimator").asString()).isEqualTo("reinforce_plus_plus_baseline");
    assertThat(a.get("rewardScaling").isNull()).isTrue();
    assertThat(a.get("referenceSync").get("alpha").asDouble()).isEqualTo(0.6);
  }

  @Test
  void anInvalidSpecIsA400ProblemNamingEveryInvalidField() {
    Response r =
        http.post(
            "/api/v1/runs",
            """
            {"name": "rejected-spec", "algorithm": {"groupSize": 1, "epsilonLow": 2},
             "rollout": {"topP": 0},
             "rewards": []}
            """);
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.json().get("type").asString()).endsWith("/invalid-request");
    List<String> fields = new ArrayList<>();
    r.json().get("errors").forEach(e -> fields.add(e.get("field").asString()));
    assertThat(fields)
        .containsExactlyInAnyOrder(
            "algorithm.groupSize", "algorithm.epsilonLow", "rollout.topP", "rewards");
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM run WHERE name = 'rejected-spec'", Long.class))
        .as("a rejected spec stores nothing")
        .isZero()
        .isNotNull();
  }

  @Test
  void malformedJsonAndWrongTypesAreProblemsToo() {
    Response broken = http.post("/api/v1/runs", "{\"algorithm\": ");
    assertThat(broken.status()).isEqualTo(400);
    assertThat(broken.contentType()).startsWith("application/problem+json");

    Response wrongType = http.post("/api/v1/runs", "{\"seed\": \"abc\", \"schedual\": {}}");
    assertThat(wrongType.status()).isEqualTo(400);
    assertThat(wrongType.json().get("errors").toString()).contains("seed").contains("schedual");
  }

  @Test
  void everyRequestNeedsAKeyAndTheReadKeyOnlyReads() {
    Response none = http.withKey(null).post("/api/v1/runs", SPEC);
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.contentType()).startsWith("application/problem+json");
    assertThat(none.header("WWW-Authenticate")).startsWith("Bearer");
    Response wrong = http.withKey("nope").post("/api/v1/runs", SPEC);
    assertThat(wrong.status()).isEqualTo(401);
    assertThat(http.withKey(null).get("/api/v1/runs").status()).isEqualTo(401);
    assertThat(http.withKey("nope").get("/api/v1/runs").status()).isEqualTo(401);
    assertThat(http.withKey("read-key").get("/api/v1/runs").status()).isEqualTo(200);
    Response readOnlyWrite = http.withKey("read-key").post("/api/v1/runs", SPEC);
    assertThat(readOnlyWrite.status()).isEqualTo(403);
    assertThat(readOnlyWrite.contentType()).startsWith("application/problem+json");
    assertThat(http.withKey(null).get("/actuator/health/readiness").status()).isEqualTo(200);
  }

  @Test
  void aOneStepSpecIsValidAndBadInputCreatesNothing() {
    Response oneStep = http.post("/api/v1/runs", "{\"schedule\":{\"steps\":1}}");
    assertThat(oneStep.status()).as(oneStep.raw().body()).isEqualTo(201);
    assertThat(oneStep.json().get("spec").get("schedule").get("checkpointEvery").asInt())
        .isEqualTo(1);
    Integer before = jdbc.queryForObject("SELECT count(*) FROM run", Integer.class);
    Response nul = http.post("/api/v1/runs", "{\"name\":\"a\\u0000b\"}");
    assertThat(nul.status()).isEqualTo(400);
    assertThat(nul.json().get("errors").get(0).get("field").asString()).isEqualTo("name");
    Response outside =
        http.post("/api/v1/runs", "{\"data\":{\"source\":\"jsonl\",\"path\":\"/etc/passwd\"}}");
    assertThat(outside.status()).isEqualTo(400);
    assertThat(outside.json().get("errors").get(0).get("field").asString()).isEqualTo("data.path");
    assertThat(outside.raw().body()).doesNotContain("root:");
    Response missing = http.post("/api/v1/runs", "{\"model\":{\"path\":\"grpo-data/nope\"}}");
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.json().get("errors").get(0).get("field").asString()).isEqualTo("model.path");
    assertThat(jdbc.queryForObject("SELECT count(*) FROM run", Integer.class)).isEqualTo(before);
  }

  @Test
  void anUnknownRunIs404Problem() {
    Response r = http.get("/api/v1/runs/" + UUID.randomUUID());
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(http.post("/api/v1/runs/" + UUID.randomUUID() + "/cancel", "").status())
        .isEqualTo(404);
    assertThat(http.get("/api/v1/runs/not-a-uuid").status()).isEqualTo(400);
  }

  @Test
  void pauseResumeCancelFollowTheStateMachineAnd409OnIllegalMoves() {
    String id = create(SPEC).get("id").asString();
    String base = "/api/v1/runs/" + id;
    assertThat(http.post(base + "/resume", "").json().get("state").asString())
        .as("resuming a queued run repeats a resume that already took effect")
        .isEqualTo("QUEUED");
    Response paused = http.post(base + "/pause", "");
    assertThat(paused.status()).isEqualTo(200);
    assertThat(paused.json().get("state").asString()).isEqualTo("PAUSED");
    assertThat(http.post(base + "/pause", "").json().get("state").asString())
        .as("a repeated pause is an idempotent retry")
        .isEqualTo("PAUSED");
    assertThat(http.post(base + "/resume", "").json().get("state").asString()).isEqualTo("QUEUED");
    Response cancelled = http.post(base + "/cancel", "");
    assertThat(cancelled.json().get("state").asString()).isEqualTo("CANCELLED");
    assertThat(cancelled.json().get("finishedAt").isNull()).isFalse();
    Response illegal = http.post(base + "/resume", "");
    assertThat(illegal.status()).isEqualTo(409);
    assertThat(illegal.contentType()).startsWith("application/problem+json");
    assertThat(illegal.json().get("detail").asString()).contains("CANCELLED");
    assertThat(http.post(base + "/pause", "").status()).isEqualTo(409);
    assertThat(http.post(base + "/cancel", "").status()).isEqualTo(200);
  }

  @Test
  void listingPagesNewestFirstAndFiltersByState() {
    jdbc.update("DELETE FROM run");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(create("{\"name\": \"r" + i + "\"}").get("id").asString());
    }
    http.post("/api/v1/runs/" + ids.get(1) + "/pause", "");
    http.post("/api/v1/runs/" + ids.get(3) + "/pause", "");

    Response page0 = http.get("/api/v1/runs?size=2&page=0");
    assertThat(page0.json().get("totalItems").asLong()).isEqualTo(5);
    assertThat(page0.json().get("totalPages").asInt()).isEqualTo(3);
    assertThat(names(page0)).containsExactly("r4", "r3");
    assertThat(names(http.get("/api/v1/runs?size=2&page=2"))).containsExactly("r0");
    assertThat(names(http.get("/api/v1/runs?state=paused"))).containsExactly("r3", "r1");
    Response bad = http.get("/api/v1/runs?state=sleeping&size=0");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().get("errors").toString()).contains("state").contains("size");
  }

  @Test
  void theSameIdempotencyKeyAndBodyGiveTheSameRunAndAnotherBodyIs422() throws Exception {
    String key = "create-" + UUID.randomUUID();
    Response first = http.post("/api/v1/runs", SPEC, "Idempotency-Key", key);
    assertThat(first.status()).isEqualTo(201);
    // same spec, other spacing and field order
    Response again =
        http.post(
            "/api/v1/runs",
            "{\"schedule\":{\"checkpointEvery\":5,\"promptsPerStep\":4,\"steps\":20},"
                + "\"algorithm\":{\"beta\":0.02,\"groupSize\":4},\"name\":\"arith-beta-0.02\"}",
            "Idempotency-Key",
            key);
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
    assertThat(again.json().get("id")).isEqualTo(first.json().get("id"));

    Response other =
        http.post("/api/v1/runs", SPEC.replace("0.02", "0.05"), "Idempotency-Key", key);
    assertThat(other.status()).isEqualTo(422);
    assertThat(other.contentType()).startsWith("application/problem+json");

    // a burst of concurrent retries still makes one run
    String burstKey = "burst-" + UUID.randomUUID();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<Response>> responses = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      responses.add(
          pool.submit(() -> http.post("/api/v1/runs", SPEC, "Idempotency-Key", burstKey)));
    }
    Set<String> runIds = new HashSet<>();
    for (Future<Response> f : responses) {
      Response r = f.get();
      assertThat(r.status()).isIn(200, 201);
      runIds.add(r.json().get("id").asString());
    }
    pool.shutdown();
    assertThat(runIds).hasSize(1);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM run WHERE idempotency_key = ?", Long.class, burstKey))
        .isEqualTo(1);
  }

  @Test
  void healthGroupsPrometheusAndTheMigrationAreThere() {
    assertThat(http.get("/actuator/health/liveness").status()).isEqualTo(200);
    Response readiness = http.get("/actuator/health/readiness");
    assertThat(readiness.status()).isEqualTo(200);
    assertThat(readiness.json().get("status").asString()).isEqualTo("UP");
    Response prometheus = http.get("/actuator/prometheus");
    assertThat(prometheus.status()).isEqualTo(200);
    assertThat(prometheus.raw().body())
        .contains("jvm_memory_used_bytes")
        .contains("hikaricp_connections");
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM flyway_schema_history WHERE success AND version = '1'",
                Long.class))
        .isEqualTo(1);
  }

  private static List<String> names(Response page) {
    List<String> names = new ArrayList<>();
    page.json().get("items").forEach(r -> names.add(r.get("name").asString()));
    return names;
  }
}
