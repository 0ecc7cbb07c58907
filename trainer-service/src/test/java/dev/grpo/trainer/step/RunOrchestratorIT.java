package dev.grpo.trainer.step;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import dev.grpo.api.rollout.PolicySyncRequest;
import dev.grpo.api.rollout.RolloutRequest;
import dev.grpo.policy.lora.LoraAdapters;
import dev.grpo.policy.lora.PeftAdapterFiles;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.testsupport.ServiceHttp;
import dev.grpo.testsupport.ServiceHttp.Response;
import dev.grpo.testsupport.SharedPostgres;
import dev.grpo.trainer.train.Checkpointer;
import dev.grpo.trainer.train.LoraCheckpointFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
import tools.jackson.databind.json.JsonMapper;

/**
 * Real runs through the orchestrator: a real PostgreSQL, the trainer's own HTTP clients, and fake
 * rollout and reward services on a local port. Sample 0 of every group answers "1" and scores 1,
 * sample 1 answers "0" and scores 0 (except for items named "same…", whose samples agree), so a
 * group has an advantage and every greedy (eval) completion is right.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "grpo.trainer.api-key=it-key",
      "grpo.trainer.check-services=false",
      "grpo.ledger.reaper-interval=1h",
      "grpo.trainer.orchestrator.poll-interval=200ms",
      "grpo.trainer.orchestrator.heartbeat-interval=1s",
      "grpo.trainer.orchestrator.retry-timeout=5s"
    })
class RunOrchestratorIT {

  private static final JsonMapper MAPPER = JsonMapper.builder().build();

  /** Items whose key starts with "same" get two equal completions; every other group differs. */
  private static final FakeServices FAKE =
      FakeServices.scoringTextAsNumber((item, k) -> item.startsWith("same") || k == 0 ? "1" : "0");

  private static FakeServiceServer services;
  private static Path dataDir;

  @DynamicPropertySource
  static void wiring(DynamicPropertyRegistry registry) throws IOException {
    // start the engine on this thread, not the orchestrator's, as another test or bean may: the
    // orchestrator must train on a thread that did not start it
    Engine.getInstance();
    SharedPostgres.register(registry);
    services = new FakeServiceServer(FAKE, "it-key");
    dataDir = Files.createTempDirectory("grpo-run-it");
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

  private static final String SPEC =
      """
      {"name": "two-steps", "seed": 7,
       "data": {"source": "generator", "generatorSize": 20, "evalFraction": 0.1},
       "algorithm": {"groupSize": 2, "beta": 0.04},
       "rollout": {"maxTokens": 8},
       "rewards": [{"rule": "math_accuracy"}],
       "schedule": {"steps": 2, "promptsPerStep": 2, "checkpointEvery": 0, "evalEvery": 0}}
      """;

  @Test
  void aRunOfTwoStepsLeavesItsStepsEvalsAndCheckpointsInTheLedger() throws Exception {
    Response created = new ServiceHttp(port, "it-key").post("/api/v1/runs", SPEC);
    assertThat(created.status()).as(created.raw().body()).isEqualTo(201);
    UUID run = UUID.fromString(created.json().get("id").asString());

    Map<String, Object> row = awaitEnd(run);

    assertThat(row)
        .containsEntry("state", "SUCCEEDED")
        .containsEntry("current_step", 2)
        .containsEntry("policy_version", 3L)
        .containsEntry("lease_owner", null)
        .containsEntry("error", null);
    assertThat(row.get("finished_at")).isNotNull();
    assertSteps(run);
    assertEvals(run);
    assertThat(
            jdbc.queryForList(
                "SELECT step_no, policy_version FROM checkpoint WHERE run_id = ? ORDER BY step_no",
                run))
        .containsExactly(
            Map.of("step_no", 0, "policy_version", 1L), Map.of("step_no", 2, "policy_version", 3L));
    assertThat(
            jdbc.queryForList(
                "SELECT split, count(*) AS n FROM dataset_item WHERE run_id = ?"
                    + " GROUP BY split ORDER BY split",
                run))
        .containsExactly(Map.of("split", "eval", "n", 2L), Map.of("split", "train", "n", 18L));
    // the starting policy, then one version per step
    assertThat(FAKE.syncs.stream().filter(s -> s.runId().equals(run)))
        .extracting(s -> s.policyVersion())
        .containsExactly(1L, 2L, 3L);
    // eval at 0, step 0, step 1, eval at 2
    assertThat(FAKE.rollouts.stream().filter(r -> r.runId().equals(run)))
        .extracting(r -> r.step())
        .containsExactly(0, 0, 1, 2);
  }

  @Test
  void dynamicSamplingRefillsTheStepPastTheGroupsWhoseRewardsAgree() throws Exception {
    Response created =
        new ServiceHttp(port, "it-key")
            .post(
                "/api/v1/runs",
                """
                {"name": "dynamic", "seed": 3,
                 "data": {"source": "inline", "evalFraction": 0.0, "items": [
                   {"id": "same-a", "prompt": "1+0", "answer": "1"},
                   {"id": "diff-b", "prompt": "0+1", "answer": "1"},
                   {"id": "same-c", "prompt": "1+0", "answer": "1"},
                   {"id": "diff-d", "prompt": "0+1", "answer": "1"}]},
                 "algorithm": {"groupSize": 2, "beta": 0.0,
                               "dynamicSampling": {"enabled": true, "maxRefillRounds": 2}},
                 "rollout": {"maxTokens": 8},
                 "rewards": [{"rule": "math_accuracy"}],
                 "schedule": {"steps": 1, "promptsPerStep": 2, "checkpointEvery": 0}}
                """);
    assertThat(created.status()).as(created.raw().body()).isEqualTo(201);
    UUID run = UUID.fromString(created.json().get("id").asString());

    assertThat(awaitEnd(run)).containsEntry("state", "SUCCEEDED").containsEntry("current_step", 1);

    JsonNode m =
        MAPPER.readTree(
            jdbc.queryForObject(
                "SELECT metrics::text FROM run_step WHERE run_id = ? AND step_no = 0",
                String.class,
                run));
    // round 1: same-a (dropped), diff-b; round 2: same-c (dropped); round 3: diff-d
    JsonNode dyn = m.get("dynamic_sampling");
    assertThat(dyn.get("rounds").asInt()).isEqualTo(3);
    assertThat(dyn.get("groups_sampled").asInt()).isEqualTo(4);
    assertThat(dyn.get("groups_dropped").asInt()).isEqualTo(2);
    assertThat(dyn.get("dropped_fraction").asDouble()).isEqualTo(0.5);
    assertThat(m.get("prompts_consumed").asInt()).isEqualTo(4);
    assertThat(m.get("prompts").asInt()).isEqualTo(2);
    assertThat(m.get("zero_std_fraction").asDouble()).isEqualTo(0.0);
    assertThat(m.get("reward_mean").asDouble()).isEqualTo(0.5);
    assertThat(FAKE.rollouts.stream().filter(r -> r.runId().equals(run)))
        .extracting(r -> r.prompts().stream().map(p -> p.itemId()).toList())
        .containsExactly(List.of("same-a", "diff-b"), List.of("same-c"), List.of("diff-d"));
    assertThat(
            jdbc.queryForObject("SELECT count(*) FROM run_eval WHERE run_id = ?", Long.class, run))
        .as("no eval split, no evals")
        .isZero();
  }

  @Test
  void aLoraRunTrainsAdaptersOnAFrozenBaseAndPublishesEachVersionAsAPeftAdapter() throws Exception {
    Response created =
        new ServiceHttp(port, "it-key")
            .post(
                "/api/v1/runs",
                """
                {"name": "lora", "seed": 5,
                 "model": {"preset": "tiny",
                           "lora": {"rank": 4, "alpha": 8, "targetModules": ["q_proj", "v_proj", "up_proj"]}},
                 "data": {"source": "generator", "generatorSize": 20, "evalFraction": 0.0},
                 "algorithm": {"groupSize": 2, "beta": 0.04},
                 "optimizer": {"learningRate": 0.01},
                 "rollout": {"maxTokens": 8},
                 "rewards": [{"rule": "math_accuracy"}],
                 "schedule": {"steps": 2, "promptsPerStep": 2, "checkpointEvery": 1}}
                """);
    assertThat(created.status()).as(created.raw().body()).isEqualTo(201);
    UUID run = UUID.fromString(created.json().get("id").asString());
    assertThat(awaitEnd(run)).containsEntry("state", "SUCCEEDED").containsEntry("current_step", 2);

    RunDirectory dir = RunDirectory.of(dataDir, run);
    Path base = dir.root().resolve("lora-base");
    String baseSha = Checkpointer.sha256(base.resolve(DecoderModel.WEIGHTS_FILE));
    for (int step = 0; step <= 2; step++) {
      Path checkpoint = dir.checkpoint(step);
      assertThat(checkpoint.resolve(DecoderModel.WEIGHTS_FILE)).doesNotExist();
      assertThat(Files.readString(checkpoint.resolve(LoraCheckpointFiles.BASE_FILE)))
          .contains(baseSha);
    }
    try (DecoderModel first = Checkpointer.open(dir.checkpoint(0)).loadModel(Device.cpu());
        DecoderModel last = Checkpointer.open(dir.checkpoint(2)).loadModel(Device.cpu())) {
      assertThat(last.trainableParameters()).hasSize(2 * 3 * last.config().numHiddenLayers());
      String b = LoraAdapters.loraBName("model.layers.0.self_attn.v_proj");
      assertThat(first.trainableParameters().get(b).abs().max().getFloat()).isZero();
      assertThat(last.trainableParameters().get(b).abs().max().getFloat()).isPositive();
    }
    List<PolicySyncRequest> syncs = FAKE.syncs.stream().filter(s -> s.runId().equals(run)).toList();
    assertThat(syncs).extracting(PolicySyncRequest::policyVersion).containsExactly(1L, 2L, 3L);
    Path published = Path.of(java.net.URI.create(syncs.get(2).checkpointUri()));
    assertThat(PeftAdapterFiles.isAdapter(published)).isTrue();
    assertThat(published.resolve(DecoderModel.WEIGHTS_FILE)).doesNotExist();
    assertThat(PeftAdapterFiles.baseModel(published)).isEqualTo(base.toString());
  }

  @Test
  void aGspoRunWithAResetReferenceTrainsAndCheckpointsTheReference() throws Exception {
    Response created =
        new ServiceHttp(port, "it-key")
            .post(
                "/api/v1/runs",
                """
                {"name": "gspo-reset", "seed": 11,
                 "data": {"source": "generator", "generatorSize": 20, "evalFraction": 0.0},
                 "algorithm": {"groupSize": 2, "beta": 0.04, "policyLoss": "gspo",
                               "muIterations": 2, "advantageEstimator": "rloo",
                               "referenceSync": {"mode": "reset", "everyUpdates": 1}},
                 "optimizer": {"learningRate": 0.01},
                 "rollout": {"maxTokens": 8},
                 "rewards": [{"rule": "math_accuracy"}],
                 "schedule": {"steps": 2, "promptsPerStep": 2, "checkpointEvery": 1}}
                """);
    assertThat(created.status()).as(created.raw().body()).isEqualTo(201);
    UUID run = UUID.fromString(created.json().get("id").asString());

    assertThat(awaitEnd(run)).containsEntry("state", "SUCCEEDED").containsEntry("current_step", 2);

    for (int step = 0; step < 2; step++) {
      JsonNode m =
          MAPPER.readTree(
              jdbc.queryForObject(
                  "SELECT metrics::text FROM run_step WHERE run_id = ? AND step_no = ?",
                  String.class,
                  run,
                  step));
      // the reference was reset to the policy after the previous update: KL exactly 0
      assertThat(m.get("kl").asDouble()).as("kl of step %d", step).isZero();
      // GSPO's clip fractions count the 4 sequences, not tokens
      double region = m.get("clip_ratio_region").asDouble() * 4;
      assertThat(region).as("sequences clipped in step %d", step).isEqualTo(Math.rint(region));
    }
    for (int step = 1; step <= 2; step++) {
      Checkpointer.Checkpoint checkpoint =
          Checkpointer.open(RunDirectory.of(dataDir, run).checkpoint(step));
      try (DecoderModel policy = checkpoint.loadModel(Device.cpu());
          DecoderModel reference = checkpoint.loadReference(Device.cpu()).orElseThrow()) {
        for (Map.Entry<String, NDArray> e : policy.parameters().entrySet()) {
          assertThat(reference.parameters().get(e.getKey()).toFloatArray())
              .as("reference %s at step %d", e.getKey(), step)
              .containsExactly(e.getValue().toFloatArray());
        }
      }
    }
    assertThat(
            Checkpointer.open(RunDirectory.of(dataDir, run).checkpoint(0))
                .loadReference(Device.cpu()))
        .as("step 0's reference is its policy")
        .isEmpty();
  }

  @Test
  void aTokenMaskDropsTheTokensWhoseRolloutLogProbsDisagreeFromTheLoss() throws Exception {
    Response created =
        new ServiceHttp(port, "it-key")
            .post(
                "/api/v1/runs",
                """
                {"name": "mask-token", "seed": 5,
                 "data": {"source": "generator", "generatorSize": 20, "evalFraction": 0.0},
                 "algorithm": {"groupSize": 2, "beta": 0.0,
                               "rolloutCorrection": {"mode": "mask_token"}},
                 "rollout": {"maxTokens": 8},
                 "rewards": [{"rule": "math_accuracy"}],
                 "schedule": {"steps": 1, "promptsPerStep": 2, "checkpointEvery": 0}}
                """);
    assertThat(created.status()).as(created.raw().body()).isEqualTo(201);
    UUID run = UUID.fromString(created.json().get("id").asString());

    assertThat(awaitEnd(run)).containsEntry("state", "SUCCEEDED").containsEntry("current_step", 1);

    JsonNode m =
        MAPPER.readTree(
            jdbc.queryForObject(
                "SELECT metrics::text FROM run_step WHERE run_id = ? AND step_no = 0",
                String.class,
                run));
    // the fake's log-prob 0 puts every ratio π_old/π_rollout = π_old far below the band's 0.5
    assertThat(m.get("mismatch_is_weight_max").asDouble()).isLessThan(0.5);
    assertThat(m.get("mismatch_masked_fraction").asDouble()).isEqualTo(1.0);
    assertThat(m.get("loss").asDouble()).isZero();
    assertThat(m.get("grad_norm").asDouble()).isZero();
    assertThat(m.get("reward_std").asDouble()).as("advantages were not zero").isPositive();
  }

  @Test
  void oneStepOffRolloutsTrainEachStepOnSamplesOfThePreviousPolicy() throws Exception {
    Response created =
        new ServiceHttp(port, "it-key")
            .post(
                "/api/v1/runs",
                """
                {"name": "one-step-off", "seed": 9,
                 "data": {"source": "generator", "generatorSize": 20, "evalFraction": 0.0},
                 "algorithm": {"groupSize": 2, "beta": 0.0,
                               "rolloutCorrection": {"mode": "truncated_is", "cap": 2.0}},
                 "rollout": {"maxTokens": 8, "maxStaleness": 1},
                 "rewards": [{"rule": "math_accuracy"}],
                 "schedule": {"steps": 3, "promptsPerStep": 2, "checkpointEvery": 0}}
                """);
    assertThat(created.status()).as(created.raw().body()).isEqualTo(201);
    UUID run = UUID.fromString(created.json().get("id").asString());

    assertThat(awaitEnd(run))
        .containsEntry("state", "SUCCEEDED")
        .containsEntry("current_step", 3)
        .containsEntry("policy_version", 4L);
    // step 0 from the starting policy; step u > 0 asked for while step u - 1 trained, so no newer
    // than version u (the one step u - 1 updated); nothing past the last step
    assertThat(FAKE.rollouts.stream().filter(r -> r.runId().equals(run)))
        .extracting(r -> r.step() + "@" + r.policyVersion())
        .containsExactly("0@1", "1@1", "2@2");
    List<JsonNode> async = new ArrayList<>();
    for (String metrics :
        jdbc.queryForList(
            "SELECT metrics::text FROM run_step WHERE run_id = ? ORDER BY step_no",
            String.class,
            run)) {
      async.add(MAPPER.readTree(metrics).get("rollout_async"));
    }
    assertThat(async).hasSize(3);
    // two groups a step: fresh at step 0, one version behind after
    assertThat(async)
        .extracting(a -> a.get("staleness_counts").toString())
        .containsExactly("[2,0]", "[0,2]", "[0,2]");
    assertThat(async).extracting(a -> a.get("stale_groups_dropped").asInt()).containsOnly(0);
    assertThat(async).extracting(a -> a.get("max_staleness").asInt()).containsOnly(1);
    assertThat(async.get(2).get("trainer_idle_ratio").asDouble()).isBetween(0.0, 1.0);
    assertThat(async.get(2).get("rollout_idle_ratio").asDouble()).isBetween(0.0, 1.0);
  }

  @Test
  void aOneStepOffRunPausedAndResumedTrainsEveryStepOnceAndSamplesNothingPastItsEnd()
      throws Exception {
    ServiceHttp http = new ServiceHttp(port, "it-key");
    Response created =
        http.post(
            "/api/v1/runs",
            """
            {"name": "one-step-off-paused", "seed": 13,
             "data": {"source": "generator", "generatorSize": 40, "evalFraction": 0.0},
             "algorithm": {"groupSize": 2, "beta": 0.0,
                           "rolloutCorrection": {"mode": "truncated_is"}},
             "rollout": {"maxTokens": 8, "maxStaleness": 2},
             "rewards": [{"rule": "math_accuracy"}],
             "schedule": {"steps": 8, "promptsPerStep": 2, "checkpointEvery": 0}}
            """);
    assertThat(created.status()).as(created.raw().body()).isEqualTo(201);
    UUID run = UUID.fromString(created.json().get("id").asString());
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (jdbc.queryForObject("SELECT current_step FROM run WHERE id = ?", Integer.class, run) < 2
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(http.post("/api/v1/runs/" + run + "/pause", "").status()).isEqualTo(200);
    while (!"PAUSED"
            .equals(jdbc.queryForObject("SELECT state FROM run WHERE id = ?", String.class, run))
        || jdbc.queryForObject("SELECT lease_owner FROM run WHERE id = ?", String.class, run)
            != null) {
      assertThat(System.nanoTime()).isLessThan(deadline);
      Thread.sleep(50);
    }
    int pausedAt =
        jdbc.queryForObject("SELECT current_step FROM run WHERE id = ?", Integer.class, run);
    assertThat(http.post("/api/v1/runs/" + run + "/resume", "").status()).isEqualTo(200);

    assertThat(awaitEnd(run))
        .containsEntry("state", "SUCCEEDED")
        .containsEntry("current_step", 8)
        .containsEntry("policy_version", 9L);
    // every step trained once, each on samples at most two versions old
    List<Map<String, Object>> steps =
        jdbc.queryForList(
            "SELECT step_no, state, (metrics->'rollout_async'->>'staleness_max')::int AS lag"
                + " FROM run_step WHERE run_id = ? ORDER BY step_no",
            run);
    assertThat(steps).extracting(r -> r.get("step_no")).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
    assertThat(steps).extracting(r -> r.get("state")).containsOnly("DONE");
    assertThat(steps).extracting(r -> (Integer) r.get("lag")).allMatch(lag -> lag <= 2);
    // what was sampled ahead at the pause is asked for again after it (the rollout service answers
    // from its ledger); no step is asked for past the last, nor with a version below its bound
    List<RolloutRequest> asked = FAKE.rollouts.stream().filter(r -> r.runId().equals(run)).toList();
    assertThat(asked).extracting(RolloutRequest::step).allMatch(step -> step < 8);
    assertThat(asked).allMatch(r -> r.policyVersion() >= Math.max(1, r.step() + 1 - 2));
    assertThat(asked.stream().map(RolloutRequest::step).distinct()).hasSize(8);
    assertThat(asked.stream().filter(r -> r.step() == pausedAt)).hasSizeBetween(1, 2);
  }

  private void assertSteps(UUID run) {
    List<Map<String, Object>> steps =
        jdbc.queryForList(
            "SELECT step_no, state, policy_version, metrics::text AS metrics,"
                + " phase_timings::text AS timings FROM run_step WHERE run_id = ? ORDER BY step_no",
            run);
    assertThat(steps).hasSize(2);
    for (int s = 0; s < 2; s++) {
      Map<String, Object> step = steps.get(s);
      assertThat(step).containsEntry("step_no", s).containsEntry("state", "DONE");
      assertThat(step).containsEntry("policy_version", (long) s + 1);
      JsonNode m = MAPPER.readTree((String) step.get("metrics"));
      assertThat(m.get("prompts").asInt()).isEqualTo(2);
      assertThat(m.get("completions").asInt()).isEqualTo(4);
      assertThat(m.get("prompts_consumed").asInt()).isEqualTo(2);
      // rewards 1, 0, 1, 0
      assertThat(m.get("reward_mean").asDouble()).isEqualTo(0.5);
      assertThat(m.get("reward_std").asDouble()).isEqualTo(0.5);
      assertThat(m.get("zero_std_fraction").asDouble()).isEqualTo(0.0);
      assertThat(m.get("completion_length_mean").asDouble()).isEqualTo(1.0);
      assertThat(m.get("rules").get("math_accuracy").get("ok").asInt()).isEqualTo(4);
      assertThat(m.get("kl").isNumber()).as("β > 0 measures KL").isTrue();
      // the fake rollout claims log-prob 0 (probability 1) for every token: the mismatch is the
      // trainer's own negative log-likelihood, and no correction masks anything
      assertThat(m.get("mismatch_kl").asDouble()).isPositive();
      assertThat(m.get("mismatch_is_weight_max").asDouble()).isLessThan(1.0);
      assertThat(m.get("mismatch_masked_fraction").asDouble()).isZero();
      JsonNode timings = MAPPER.readTree((String) step.get("timings"));
      assertThat(timings.has("rollout") && timings.has("training") && timings.has("total"))
          .isTrue();
    }
    // only the last step checkpoints (checkpointEvery 0)
    assertThat((String) steps.get(1).get("timings")).contains("checkpoint");
    assertThat((String) steps.get(0).get("timings")).doesNotContain("checkpoint");
  }

  private void assertEvals(UUID run) {
    List<Map<String, Object>> evals =
        jdbc.queryForList(
            "SELECT step_no, policy_version, metrics::text AS metrics FROM run_eval"
                + " WHERE run_id = ? ORDER BY step_no",
            run);
    assertThat(evals).extracting(e -> e.get("step_no")).containsExactly(0, 2);
    assertThat(evals).extracting(e -> e.get("policy_version")).containsExactly(1L, 3L);
    JsonNode last = MAPPER.readTree((String) evals.get(1).get("metrics"));
    assertThat(last.get("items").asInt()).isEqualTo(2);
    assertThat(last.get("accuracy_rule").asString()).isEqualTo("math_accuracy");
    assertThat(last.get("accuracy").asDouble()).isEqualTo(1.0);
  }

  @Test
  void aRunWhoseModelCannotBeLoadedFailsWithItsReasonAfterThreeAttempts() throws Exception {
    // a folder inside the data root that holds no tokenizer or weights: it passes the door's
    // path check, and the trainer's setup then fails on it
    Path empty = Files.createDirectories(dataDir.resolve("models/empty"));
    Response created =
        new ServiceHttp(port, "it-key")
            .post(
                "/api/v1/runs",
                "{\"name\": \"no-weights\", \"model\": {\"path\": \""
                    + empty
                    + "\"},"
                    + " \"schedule\": {\"steps\": 1}}");
    assertThat(created.status()).as(created.raw().body()).isEqualTo(201);
    UUID run = UUID.fromString(created.json().get("id").asString());

    Map<String, Object> row = awaitEnd(run);
    assertThat(row).containsEntry("state", "FAILED").containsEntry("lease_owner", null);
    assertThat((String) row.get("error"))
        .startsWith(
            "the run could not be set up (" + RunOrchestrator.MAX_SETUP_ATTEMPTS + " attempts): ");
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM run_step WHERE run_id = ?", Integer.class, run))
        .isZero();
  }

  private Map<String, Object> awaitEnd(UUID run) throws InterruptedException {
    long deadline = System.nanoTime() + 180_000_000_000L;
    while (System.nanoTime() < deadline) {
      Map<String, Object> row =
          jdbc.queryForMap(
              "SELECT state, current_step, policy_version, lease_owner, error, finished_at"
                  + " FROM run WHERE id = ?",
              run);
      if (List.of("SUCCEEDED", "FAILED", "CANCELLED").contains((String) row.get("state"))) {
        return row;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("run " + run + " did not end within 3 minutes");
  }
}
