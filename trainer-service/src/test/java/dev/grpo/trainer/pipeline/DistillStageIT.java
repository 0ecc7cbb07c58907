package dev.grpo.trainer.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import dev.grpo.api.rollout.PolicySyncRequest;
import dev.grpo.api.rollout.RolloutRequest;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.testsupport.ServiceHttp;
import dev.grpo.testsupport.ServiceHttp.Response;
import dev.grpo.testsupport.SharedPostgres;
import dev.grpo.trainer.step.FakeServiceServer;
import dev.grpo.trainer.step.FakeServices;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The {@code distill} stage kind: a {@code tiny} teacher (hidden 64) trained by a {@code grpo}
 * stage, a {@code micro} student (hidden 32) distilled from its samples. The fake rollout service
 * answers as the policy a request names would: it reads the configuration of the weights the
 * trainer synced for that run and version, and writes the right answer ("1") as the teacher and a
 * wrong one ("0") as anything of the student's width. So the student's evaluation shows accuracy 0
 * only when it really samples the student: the bug this guards against (the student's evaluation
 * asked for version 1, which the rollout service held as the teacher) showed the teacher's 1.0.
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
class DistillStageIT {

  private static final int STUDENT_HIDDEN = 32;

  private static final FakeServices FAKE =
      new FakeServices(
          (item, k) -> "unused",
          (rule, text) ->
              FakeServices.ok(
                  rule, rule.equals("math_accuracy") ? (text.trim().equals("1") ? 1.0 : 0.0) : 1));

  private static FakeServiceServer services;

  @DynamicPropertySource
  static void wiring(DynamicPropertyRegistry registry) throws IOException {
    Engine.getInstance();
    SharedPostgres.register(registry);
    FAKE.servedText = r -> hiddenSizeOf(r) == STUDENT_HIDDEN ? "0" : "1";
    services = new FakeServiceServer(FAKE, "it-key");
    Path dataDir = Files.createTempDirectory("grpo-distill-it");
    registry.add("grpo.trainer.rollout-url", services::url);
    registry.add("grpo.trainer.reward-url", services::url);
    registry.add("grpo.trainer.data-dir", dataDir::toString);
  }

  /** The hidden size of the weights last synced for the request's run and version. */
  private static int hiddenSizeOf(RolloutRequest request) {
    PolicySyncRequest synced = null;
    for (PolicySyncRequest s : FAKE.syncs) {
      if (s.runId().equals(request.runId()) && s.policyVersion().equals(request.policyVersion())) {
        synced = s;
      }
    }
    if (synced == null) {
      throw new IllegalStateException(
          "version "
              + request.policyVersion()
              + " of run "
              + request.runId()
              + " was never synced");
    }
    Path dir = Path.of(URI.create(synced.checkpointUri()));
    return ModelConfig.fromJson(dir.resolve(DecoderModel.CONFIG_FILE)).hiddenSize();
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

  @Test
  void theDistilledStudentIsTrainedCheckpointedAndEvaluatedAsItselfWithItsCompute()
      throws Exception {
    String pipeline =
        """
        {"name": "distill-kind", "stages": [
          {"name": "teacher", "kind": "grpo", "spec": {"seed": 5, %s,
             "algorithm": {"groupSize": 2, "beta": 0.0},
             "schedule": {"steps": 1, "promptsPerStep": 2}}},
          {"name": "student", "kind": "distill", "from": "teacher.checkpoint",
           "spec": {"seed": 5, %s, "model": {"preset": "micro"},
             "schedule": {"promptsPerStep": 6},
             "rejectionSampling": {"samplesPerPrompt": 2, "maxPerPrompt": 1, "minKept": 1,
               "thresholds": {"math_accuracy": 1.0}},
             "sft": {"epochs": 2, "batchSize": 6}, "optimizer": {"learningRate": 0.001}}}
        ]}
        """
            .formatted(DATA, DATA);
    Response created = http().post("/api/v1/pipelines", pipeline);
    assertThat(created.status()).as(created.raw().body()).isEqualTo(201);
    UUID id = UUID.fromString(created.json().get("id").asString());
    JsonNode done = awaitEnd(id);
    assertThat(done.get("state").asString()).as(done.toString()).isEqualTo("SUCCEEDED");

    JsonNode table = done.get("table").get("rows");
    assertThat(table.get(0).get("accuracy").asDouble())
        .as("the teacher (hidden 64) answers right")
        .isEqualTo(1.0);
    assertThat(table.get(1).get("accuracy").asDouble())
        .as("the student is evaluated as itself (hidden 32), not as the teacher")
        .isEqualTo(0.0);

    // the student's checkpoint has the student's shape, and its lineage names the teacher's
    JsonNode student = done.get("stages").get(1);
    long teacherCheckpoint = done.at("/stages/0/checkpoint/id").asLong();
    assertThat(student.at("/checkpoint/parent").asLong()).isEqualTo(teacherCheckpoint);
    String uri =
        jdbc.queryForObject(
            "SELECT uri FROM checkpoint WHERE id = ?",
            String.class,
            student.at("/checkpoint/id").asLong());
    assertThat(Files.readString(Path.of(URI.create(uri)).resolve(DecoderModel.CONFIG_FILE)))
        .as("the student's checkpoint config")
        .containsPattern("\"hidden_?[sS]ize\"\\s*:\\s*" + STUDENT_HIDDEN + "\\b");

    // 18 train prompts x 2 samples of the teacher, all right: one kept per prompt
    UUID run = UUID.fromString(student.get("run").asString());
    List<Long> versions;
    synchronized (FAKE) {
      versions =
          FAKE.rollouts.stream()
              .filter(r -> r.runId().equals(run))
              .map(RolloutRequest::policyVersion)
              .distinct()
              .toList();
    }
    assertThat(versions)
        .as("the stage sampled the teacher (version 1), then evaluated the student (version 2)")
        .containsExactly(1L, 2L);
    JsonNode metrics = student.get("metrics");
    assertThat(metrics.at("/rejection_sampling/kept").asInt()).isEqualTo(18);

    // compute: the student's SFT is 2 epochs over the 18 kept rows; every row is BOS + "a+b=" as
    // the char tokenizer encodes the prompt, then "1" + EOS; the teacher's sampling is its own
    JsonNode compute = metrics.get("compute");
    long promptAndCompletion =
        jdbc.queryForObject(
            "SELECT sum(length(prompt) + 1 + length(completion) + 1) FROM dataset_row"
                + " WHERE dataset_id = ?",
            Long.class,
            UUID.fromString(student.get("dataset").asString()));
    assertThat(compute.at("/policy/train_tokens").asLong()).isEqualTo(2 * promptAndCompletion);
    assertThat(compute.at("/policy/sampled_tokens").asLong())
        .as("the distilled student samples nothing while it learns")
        .isZero();
    assertThat(compute.at("/policy/token_passes").asLong()).isEqualTo(6 * promptAndCompletion);
    assertThat(compute.get("teacher_sampled_tokens").asLong())
        .as("36 samples of one token each, after their prompt")
        .isEqualTo(
            2
                    * jdbc.queryForObject(
                        "SELECT sum(length(prompt) + 1) FROM dataset_row WHERE dataset_id = ?",
                        Long.class,
                        UUID.fromString(student.get("dataset").asString()))
                + 36);
    assertThat(table.get(1).get("compute").asDouble()).isEqualTo(6.0 * promptAndCompletion);
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
