package dev.grpo.trainer.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import dev.grpo.testsupport.DashboardMetrics;
import dev.grpo.testsupport.ServiceHttp;
import dev.grpo.testsupport.ServiceHttp.Response;
import dev.grpo.testsupport.SharedPostgres;
import dev.grpo.trainer.step.FakeServiceServer;
import dev.grpo.trainer.step.FakeServices;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Pipelines through the real run machinery: a real PostgreSQL, a real tiny policy trained by the
 * GRPO and SFT stages, and fake rollout and reward services. Sample k of a prompt is, by k: "1"
 * (right), "0" (wrong), "1" again (a duplicate), "1 " (right, over the cap of one per prompt),
 * "11111111" (8 tokens = rollout.maxTokens: truncated). math_accuracy scores 1 for a completion
 * whose trimmed text is "1", format scores 1 always; so rejection sampling of the 18 train prompts
 * at 5 samples keeps 18 rows and rejects 18 for each of the four reasons.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "grpo.trainer.api-key=it-key",
      "grpo.trainer.check-services=false",
      "grpo.ledger.reaper-interval=1h",
      "grpo.trainer.orchestrator.poll-interval=200ms",
      "grpo.trainer.orchestrator.heartbeat-interval=500ms",
      "grpo.trainer.orchestrator.lease-duration=3s",
      "grpo.trainer.orchestrator.retry-timeout=5s"
    })
class PipelineIT {

  private static final List<String> TEXTS = List.of("1", "0", "1", "1 ", "11111111");

  private static final FakeServices FAKE =
      new FakeServices(
          (item, k) -> TEXTS.get(k % TEXTS.size()),
          (rule, text) ->
              FakeServices.ok(
                  rule, rule.equals("math_accuracy") ? (text.trim().equals("1") ? 1.0 : 0.0) : 1));

  /** Rejection-sampling rollout requests (n = 5) seen, and the one the crash test holds. */
  private static final AtomicInteger rsRollouts = new AtomicInteger();

  private static volatile CountDownLatch holding = null;
  private static volatile CountDownLatch letGo = null;

  private static FakeServiceServer services;

  @DynamicPropertySource
  static void wiring(DynamicPropertyRegistry registry) throws IOException {
    Engine.getInstance();
    SharedPostgres.register(registry);
    FAKE.rolloutFailure =
        r -> {
          if (r.n() == 5) {
            int seen = rsRollouts.incrementAndGet();
            CountDownLatch hold = holding;
            if (hold != null && seen == 2) {
              // the second round of rejection sampling waits while the test takes the lease away
              hold.countDown();
              try {
                letGo.await(60, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
          }
          return null;
        };
    services = new FakeServiceServer(FAKE, "it-key");
    Path dataDir = Files.createTempDirectory("grpo-pipeline-it");
    registry.add("grpo.trainer.rollout-url", services::url);
    registry.add("grpo.trainer.reward-url", services::url);
    registry.add("grpo.trainer.data-dir", dataDir::toString);
  }

  @AfterAll
  static void stop() {
    services.close();
  }

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;

  private static final String DATA =
      """
      "data": {"source": "generator", "generatorSize": 20, "evalFraction": 0.1},
      "rollout": {"maxTokens": 8},
      "rewards": [{"rule": "math_accuracy"}, {"rule": "format", "weight": 0.5}]
      """;

  private static final String PIPELINE =
      """
      {"name": "crash", "stages": [
        {"name": "rl1", "kind": "grpo", "spec": {"seed": 7, %s,
           "algorithm": {"groupSize": 2, "beta": 0.0},
           "schedule": {"steps": 2, "promptsPerStep": 2}}},
        {"name": "rs", "kind": "rejection_sampling", "from": "rl1.checkpoint",
         "spec": {"seed": 7, %s, "schedule": {"promptsPerStep": 6},
           "rejectionSampling": {"samplesPerPrompt": 5, "maxPerPrompt": 1, "minKept": 10,
             "thresholds": {"math_accuracy": 1.0, "format": 1.0}}}},
        {"name": "sft", "kind": "sft", "from": "rs.dataset", "init": "rl1.checkpoint",
         "spec": {"seed": 7, %s, "sft": {"epochs": 1, "batchSize": 6},
           "optimizer": {"learningRate": 0.001}}},
        {"name": "ev", "kind": "eval", "from": "sft.checkpoint", "spec": {"seed": 7, %s}}
      ]}
      """
          .formatted(DATA, DATA, DATA, DATA);

  @Test
  void aPipelineWhoseRejectionSamplingLosesItsTrainerMidwayEndsWithEachStageRunAndRowOnce()
      throws Exception {
    holding = new CountDownLatch(1);
    letGo = new CountDownLatch(1);
    Response created = http().post("/api/v1/pipelines", PIPELINE);
    assertThat(created.status()).as(created.raw().body()).isEqualTo(201);
    UUID id = UUID.fromString(created.json().get("id").asString());

    assertThat(holding.await(240, TimeUnit.SECONDS))
        .as("rejection sampling reached round 2")
        .isTrue();
    UUID rsRun =
        jdbc.queryForObject(
            "SELECT run_id FROM pipeline_stage WHERE pipeline_id = ? AND name = 'rs'",
            UUID.class,
            id);
    // the trainer driving the stage "dies": its lease passes to nobody and runs out; the
    // pipeline's executor "dies" too, holding the pipeline's lease for a while
    jdbc.update(
        "UPDATE run SET lease_owner = 'dead-trainer', lease_expires_at = now() WHERE id = ?",
        rsRun);
    jdbc.update(
        "UPDATE pipeline SET lease_owner = 'dead-executor',"
            + " lease_expires_at = now() + interval '2 seconds' WHERE id = ?",
        id);
    letGo.countDown();

    JsonNode done = awaitEnd(id);
    assertThat(done.get("state").asString()).as(done.toString()).isEqualTo("SUCCEEDED");

    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM run WHERE idempotency_key LIKE ?",
                Long.class,
                "pipeline:" + id + ":%"))
        .as("one run per stage")
        .isEqualTo(4L);
    assertThat(rsRollouts.get()).as("the stage was taken over and redone").isGreaterThan(3);
    UUID dataset =
        jdbc.queryForObject(
            "SELECT dataset_id FROM pipeline_stage WHERE pipeline_id = ? AND name = 'rs'",
            UUID.class,
            id);
    assertThat(
            jdbc.queryForObject("SELECT count(*) FROM dataset WHERE run_id = ?", Long.class, rsRun))
        .isEqualTo(1L);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM dataset_row WHERE dataset_id = ?", Long.class, dataset))
        .as("18 prompts, one kept each, none twice")
        .isEqualTo(18L);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(DISTINCT completion) FROM dataset_row WHERE dataset_id = ?",
                Long.class,
                dataset))
        .isEqualTo(1L);
    JsonNode stats =
        JsonMapper.builder()
            .build()
            .readTree(
                jdbc.queryForObject(
                    "SELECT stats::text FROM dataset WHERE id = ?", String.class, dataset));
    assertThat(stats.get("samples").asInt()).isEqualTo(90);
    assertThat(stats.get("kept").asInt()).isEqualTo(18);
    JsonNode rejected = stats.get("rejected");
    assertThat(rejected.propertyNames())
        .containsExactlyInAnyOrder("duplicate", "math_accuracy_below", "over_cap", "truncated");
    for (String reason : rejected.propertyNames()) {
      assertThat(rejected.get(reason).asInt()).as(reason).isEqualTo(18);
    }

    JsonNode stages = done.get("stages");
    assertThat(stages).hasSize(4);
    for (JsonNode s : stages) {
      assertThat(s.get("state").asString()).as(s.toString()).isEqualTo("SUCCEEDED");
    }
    long rl1Checkpoint = stages.get(0).get("checkpoint").get("id").asLong();
    JsonNode sftCheckpoint = stages.get(2).get("checkpoint");
    assertThat(sftCheckpoint.get("parent").asLong()).as("lineage").isEqualTo(rl1Checkpoint);
    assertThat(stages.get(1).get("dataset").asString()).isEqualTo(dataset.toString());
    assertThat(stages.get(3).get("checkpoint").isNull()).isTrue();

    // the table: stage × metric; the fake's greedy answer "1" is always right
    JsonNode rows = done.get("table").get("rows");
    assertThat(rows.get(1).get("rows_kept").asDouble()).isEqualTo(18.0);
    assertThat(rows.get(1).get("rows_rejected").asDouble()).isEqualTo(72.0);
    assertThat(rows.get(3).get("accuracy").asDouble()).isEqualTo(1.0);
    assertThat(rows.get(2).get("sft_final_loss").isNumber()).isTrue();

    // the export streams the same rows, with their provenance
    HttpResponse<String> export =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://localhost:" + port + "/api/v1/datasets/" + dataset + "/export"))
                    .header("Authorization", "Bearer it-key")
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(export.statusCode()).isEqualTo(200);
    assertThat(export.headers().firstValue("Content-Type")).hasValue("application/x-ndjson");
    String[] lines = export.body().split("\n");
    assertThat(lines).hasSize(18);
    JsonNode first = JsonMapper.builder().build().readTree(lines[0]);
    assertThat(first.get("completion").asString()).isEqualTo("1");
    assertThat(first.at("/provenance/policy/checkpoint").asLong()).isEqualTo(rl1Checkpoint);
    assertThat(first.at("/provenance/rules/math_accuracy/score").asDouble()).isEqualTo(1.0);
    assertThat(first.at("/provenance/rules/format/status").asString()).isEqualTo("OK");

    // the dashboard's Pipelines row queries meters this trainer now exposes, with the labels its
    // legends use (EndToEndIT runs no pipeline, so they are checked here)
    String exposition = http().get("/actuator/prometheus").raw().body();
    DashboardMetrics pipelineRow =
        DashboardMetrics.load(
                Path.of("..", "deploy", "grafana", "dashboards", "grpo-training.json"))
            .metricsWithPrefix("grpo_pipeline_", "grpo_stage_");
    assertThat(pipelineRow.names()).hasSize(3);
    assertThat(pipelineRow.missingFrom(exposition))
        .as(pipelineRow.explainMissing(exposition))
        .isEmpty();
    assertThat(exposition)
        .containsPattern("grpo_pipeline_stages_total\\{[^}]*kind=\"rejection_sampling\"")
        .containsPattern("grpo_stage_rows_rejected\\{[^}]*reason=\"duplicate\"")
        .containsPattern("grpo_stage_rows_kept\\{[^}]*run=\"");
  }

  @Test
  void pauseHoldsThePipelineAndItsStageResumeFinishesItAndCancelEndsEveryStage() throws Exception {
    String twoStages =
        """
        {"name": "pausable", "stages": [
          {"name": "rl", "kind": "grpo", "spec": {"seed": 3, %s,
             "algorithm": {"groupSize": 2, "beta": 0.0},
             "schedule": {"steps": 3, "promptsPerStep": 2}}},
          {"name": "ev", "kind": "eval", "from": "rl.checkpoint", "spec": {"seed": 3, %s}}
        ]}
        """
            .formatted(DATA, DATA);
    UUID id =
        UUID.fromString(http().post("/api/v1/pipelines", twoStages).json().get("id").asString());
    JsonNode paused = http().post("/api/v1/pipelines/" + id + "/pause", "").json();
    assertThat(paused.get("state").asString()).isEqualTo("PAUSED");
    Thread.sleep(3000);
    JsonNode held = http().get("/api/v1/pipelines/" + id).json();
    assertThat(held.get("state").asString()).isEqualTo("PAUSED");
    JsonNode rl = held.get("stages").get(0);
    // paused before or after its run was created: either no run, or a run that is paused too
    if (!rl.get("run").isNull()) {
      assertThat(rl.get("runState").asString()).isEqualTo("PAUSED");
    }
    assertThat(held.get("stages").get(1).get("state").asString()).isEqualTo("PENDING");

    assertThat(
            http().post("/api/v1/pipelines/" + id + "/resume", "").json().get("state").asString())
        .isEqualTo("QUEUED");
    JsonNode done = awaitEnd(id);
    assertThat(done.get("state").asString()).as(done.toString()).isEqualTo("SUCCEEDED");
    assertThat(done.at("/stages/0/runStep").asInt()).isEqualTo(3);

    UUID again =
        UUID.fromString(http().post("/api/v1/pipelines", twoStages).json().get("id").asString());
    JsonNode cancelled = http().post("/api/v1/pipelines/" + again + "/cancel", "").json();
    assertThat(cancelled.get("state").asString()).isEqualTo("CANCELLED");
    assertThat(cancelled.get("stages"))
        .extracting(s -> s.get("state").asString())
        .containsExactly("CANCELLED", "CANCELLED");
    assertThat(http().post("/api/v1/pipelines/" + again + "/resume", "").status())
        .as("a cancelled pipeline does not resume")
        .isEqualTo(409);
  }

  @Test
  void badReferencesAreRefusedNamingTheFieldAndCreateNothing() throws Exception {
    long before = jdbc.queryForObject("SELECT count(*) FROM pipeline", Long.class);
    Response bad =
        http()
            .post(
                "/api/v1/pipelines",
                """
                {"stages": [
                  {"name": "a", "kind": "grpo", "from": "b.checkpoint"},
                  {"name": "b", "kind": "eval", "from": "b.checkpoint"},
                  {"name": "c", "kind": "sft", "from": "a.dataset"},
                  {"name": "d", "kind": "rejection_sampling", "from": "a.weights",
                   "spec": {"rejectionSampling": {"thresholds": {"language_consistency": 0.9}}}},
                  {"name": "e", "kind": "eval", "from": "nope.checkpoint"},
                  {"name": "f", "kind": "eval"}
                ]}
                """);
    assertThat(bad.status()).as(bad.raw().body()).isEqualTo(400);
    String body = bad.raw().body();
    assertThat(body)
        .contains("stages[0].from", "comes later")
        .contains("stages[1].from", "cycle")
        .contains("stages[2].from", "produces no dataset")
        .contains("stages[3].from", "unknown output kind 'weights'")
        .contains("stages[3].spec.rejectionSampling.thresholds.language_consistency")
        .contains("stages[4].from", "no stage is named 'nope'")
        .contains("stages[5].from", "needs a checkpoint");
    assertThat(jdbc.queryForObject("SELECT count(*) FROM pipeline", Long.class))
        .as("nothing half-created")
        .isEqualTo(before);
  }

  private ServiceHttp http() {
    return new ServiceHttp(port, "it-key");
  }

  private JsonNode awaitEnd(UUID id) throws Exception {
    long deadline = System.nanoTime() + 300_000_000_000L;
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      Response r = http().get("/api/v1/pipelines/" + id);
      last = r.json();
      if (List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(last.get("state").asString())) {
        return last;
      }
      Thread.sleep(300);
    }
    throw new AssertionError("pipeline " + id + " did not end within 5 minutes: " + last);
  }
}
