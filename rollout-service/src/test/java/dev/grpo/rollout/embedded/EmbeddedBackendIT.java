package dev.grpo.rollout.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.model.TokenLogProbs;
import dev.grpo.policy.tokenizer.CharTokenizer;
import dev.grpo.testsupport.LedgerFixtures;
import dev.grpo.testsupport.ServiceHttp;
import dev.grpo.testsupport.ServiceHttp.Response;
import dev.grpo.testsupport.SharedPostgres;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The rollout service sampling in-process with the tiny DJL policy: the returned log-probs are the
 * ones the trainer recomputes, and a weight sync swaps the model and the policy version.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "grpo.rollout.api-key=test-key",
      "grpo.ledger.reaper-interval=1h",
      "grpo.rollout.backends[0].name=embedded",
      "grpo.rollout.backends[0].type=embedded",
      "grpo.rollout.backends[0].model=tiny"
    })
class EmbeddedBackendIT {

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    SharedPostgres.register(registry);
  }

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;
  @TempDir Path checkpoints;

  private static String rollout(UUID run, int step, long version) {
    return """
        {"runId": "%s", "step": %d, "policyVersion": %d, "n": 3,
         "prompts": [{"itemId": "a", "text": "3+4="}, {"itemId": "b", "text": "12+30="}],
         "sampling": {"temperature": 0.8, "topP": 0.9, "topK": 20, "maxTokens": 12, "seed": 5}}
        """
        .formatted(run, step, version);
  }

  // Over 80 lines on purpose: one sample-recompute-sync sequence whose steps depend on each other.
  @Test
  void sampledLogProbsEqualTheTrainersRecomputationAndSyncSwapsTheWeights() throws Exception {
    ServiceHttp http = new ServiceHttp(port, "test-key");
    UUID run = LedgerFixtures.insertRun(jdbc);
    Response r = http.post("/api/v1/rollouts", rollout(run, 0, 0));
    assertThat(r.status()).as(r.raw().body()).isEqualTo(200);
    JsonNode results = r.json().get("results");
    assertThat(results).hasSize(2);
    assertThat(results.get(0).get("samples")).hasSize(3);

    // the trainer's view: the same tiny weights (preset = random init with seed 0)
    CharTokenizer tokenizer = new CharTokenizer();
    List<int[]> prompts = new ArrayList<>();
    List<int[]> completions = new ArrayList<>();
    List<float[]> returned = new ArrayList<>();
    String[] texts = {"3+4=", "12+30="};
    for (int i = 0; i < 2; i++) {
      for (JsonNode s : results.get(i).get("samples")) {
        int[] ids = new int[s.get("tokenIds").size()];
        float[] lp = new float[ids.length];
        for (int t = 0; t < ids.length; t++) {
          ids[t] = s.get("tokenIds").get(t).asInt();
          lp[t] = (float) s.get("logprobs").get(t).asDouble();
        }
        assertThat(ids).isNotEmpty();
        prompts.add(tokenizer.encode(texts[i]));
        completions.add(ids);
        returned.add(lp);
      }
    }
    double maxError = 0;
    try (DecoderModel trainerModel = DecoderModel.randomInit(ModelConfig.tiny(), 0);
        NDManager scope = NDManager.newBaseManager()) {
      TokenLogProbs recomputed = trainerModel.logProbs(prompts, completions, 0.8f, scope);
      for (int k = 0; k < completions.size(); k++) {
        float[] mine = recomputed.logProbs(k);
        for (int t = 0; t < mine.length; t++) {
          maxError = Math.max(maxError, Math.abs(mine[t] - returned.get(k)[t]));
        }
      }
    }
    System.out.printf(
        "embedded rollout log-probs vs trainer recomputation: max |Δ| = %.2e%n", maxError);
    assertThat(maxError).isLessThan(1e-4);

    // a rollout for a policy the backend does not hold yet is refused
    Response ahead = http.post("/api/v1/rollouts", rollout(run, 1, 1));
    assertThat(ahead.status()).isEqualTo(409);

    // sync to new weights: the backend serves version 1 and samples from the new model
    Path dir = checkpoints.resolve("v1");
    try (DecoderModel next = DecoderModel.randomInit(ModelConfig.tiny(), 99)) {
      next.save(dir);
    }
    Response sync =
        http.post(
            "/api/v1/policies/sync",
            "{\"runId\": \"%s\", \"policyVersion\": 1, \"checkpointUri\": \"%s\"}"
                .formatted(run, dir.toUri()));
    assertThat(sync.status()).as(sync.raw().body()).isEqualTo(200);
    assertThat(sync.json().get("policyVersion").asLong()).isEqualTo(1);
    // the sync loaded weights for this run only: the backend's base model stays at version 0
    JsonNode backend = http.get("/api/v1/backends").json().get(0);
    assertThat(backend.get("type").asString()).isEqualTo("embedded");
    assertThat(backend.get("policyVersion").asLong()).isEqualTo(0);
    Response after = http.post("/api/v1/rollouts", rollout(run, 1, 1));
    assertThat(after.status()).as(after.raw().body()).isEqualTo(200);
    assertThat(
            after.json().get("results").get(0).get("samples").get(0).get("policyVersion").asLong())
        .isEqualTo(1);
    Response backwards =
        http.post(
            "/api/v1/policies/sync",
            "{\"runId\": \"%s\", \"policyVersion\": 0, \"checkpointUri\": \"%s\"}"
                .formatted(run, dir.toUri()));
    // the trainer is the authority on its run's version: after resuming from an older checkpoint
    // it syncs that version again, and the backend follows
    assertThat(backwards.status()).as(backwards.raw().body()).isEqualTo(200);
    assertThat(backwards.json().get("policyVersion").asLong()).isEqualTo(0);
    assertThat(backwards.json().get("changed").asBoolean()).isTrue();
    Response again =
        http.post(
            "/api/v1/policies/sync",
            "{\"runId\": \"%s\", \"policyVersion\": 0, \"checkpointUri\": \"%s\"}"
                .formatted(run, dir.toUri()));
    assertThat(again.json().get("changed").asBoolean()).isFalse();
  }
}
