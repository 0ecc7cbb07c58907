package dev.grpo.rollout.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.api.rollout.RolloutClient;
import dev.grpo.api.rollout.RolloutRequest;
import dev.grpo.api.rollout.RolloutRequest.Prompt;
import dev.grpo.api.rollout.RolloutRequest.Sampling;
import dev.grpo.api.rollout.RolloutResponse;
import dev.grpo.rollout.testing.FakeVllm;
import dev.grpo.rollout.testing.FakeVllm.Reply;
import dev.grpo.testsupport.DashboardMetrics;
import dev.grpo.testsupport.LedgerFixtures;
import dev.grpo.testsupport.ServiceHttp;
import dev.grpo.testsupport.ServiceHttp.Response;
import dev.grpo.testsupport.SharedPostgres;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.support.RestClientAdapter;
import org.springframework.web.service.invoker.HttpServiceProxyFactory;
import tools.jackson.databind.JsonNode;

/**
 * The rollout service end to end: its OpenAI backend points at an in-test vLLM replaying recorded
 * responses, and completions land in a real PostgreSQL ledger.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"grpo.rollout.api-key=test-key", "grpo.ledger.reaper-interval=1h"})
class RolloutApiIT {

  static final FakeVllm VLLM = FakeVllm.start();

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    SharedPostgres.register(registry);
    String b = "grpo.rollout.backends[0].";
    registry.add(b + "name", () -> "vllm");
    registry.add(b + "type", () -> "openai");
    registry.add(b + "endpoints[0]", () -> VLLM.url().toString());
    registry.add(b + "model", () -> "Qwen/Qwen2.5-0.5B-Instruct");
    registry.add(b + "lora-adapter", () -> "policy");
    registry.add(b + "max-retries", () -> "1");
    registry.add(b + "retry-backoff", () -> "10ms");
    registry.add(b + "health-check-interval", () -> "1h");
  }

  @AfterAll
  static void stop() {
    VLLM.close();
  }

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;
  ServiceHttp http;

  @BeforeEach
  void setUp() {
    http = new ServiceHttp(port, "test-key");
    VLLM.reset();
  }

  private UUID newRun() {
    return LedgerFixtures.insertRun(jdbc);
  }

  private static String rollout(UUID run, int step, long policyVersion) {
    return """
        {"runId": "%s", "step": %d, "policyVersion": %d, "n": 2,
         "prompts": [{"itemId": "q-1", "text": "What is 2+3?"},
                     {"itemId": "q-2", "tokenIds": [151644, 872, 198, 17, 10, 18]}],
         "sampling": {"temperature": 0.9, "topP": 0.95, "maxTokens": 64, "stop": ["</answer>"]}}
        """
        .formatted(run, step, policyVersion);
  }

  @Test
  void aRolloutIsSampledStoredAndARetryReturnsTheSameSamplesWithoutCallingTheBackend() {
    UUID run = newRun();
    long served = http.get("/api/v1/backends").json().get(0).get("policyVersion").asLong();

    Response first = http.post("/api/v1/rollouts", rollout(run, 3, 0));
    assertThat(first.status()).as(first.raw().body()).isEqualTo(200);
    JsonNode body = first.json();
    assertThat(body.get("backend").asString()).isEqualTo("vllm");
    assertThat(body.get("generated").asInt()).isEqualTo(4);
    JsonNode results = body.get("results");
    assertThat(results).hasSize(2);
    assertThat(results.get(0).get("itemId").asString()).isEqualTo("q-1");
    assertThat(results.get(1).get("itemId").asString()).isEqualTo("q-2");
    JsonNode s0 = results.get(0).get("samples").get(0);
    assertThat(s0.get("index").asInt()).isZero();
    assertThat(s0.get("tokenIds")).hasSize(18);
    assertThat(s0.get("tokenIds").get(17).asInt()).isEqualTo(151645);
    assertThat(s0.get("logprobs").get(2).asDouble()).isEqualTo(-1.25);
    assertThat(s0.get("finishReason").asString()).isEqualTo("stop");
    assertThat(s0.get("policyVersion").asLong()).isEqualTo(served);
    JsonNode s1 = results.get(1).get("samples").get(1);
    assertThat(s1.get("index").asInt()).isEqualTo(1);
    assertThat(s1.get("finishReason").asString()).isEqualTo("length");
    assertThat(s1.get("logprobs").get(2).asDouble()).isEqualTo(-2.5);

    List<JsonNode> sent = VLLM.completionRequests();
    assertThat(sent).as("one request per prompt, n = group size").hasSize(2);
    JsonNode tokenPrompt =
        sent.stream().filter(r -> r.get("prompt").isArray()).findFirst().orElseThrow();
    assertThat(tokenPrompt.get("prompt").get(0).asInt()).isEqualTo(151644);
    assertThat(tokenPrompt.get("n").asInt()).isEqualTo(2);
    assertThat(tokenPrompt.get("max_tokens").asInt()).isEqualTo(64);
    assertThat(tokenPrompt.get("top_p").asDouble()).isEqualTo(0.95);
    assertThat(tokenPrompt.get("temperature").asDouble()).isEqualTo(0.9);
    assertThat(tokenPrompt.get("request_id").asString()).isEqualTo(run + ":3:q-2");

    Response retry = http.post("/api/v1/rollouts", rollout(run, 3, 0));
    assertThat(retry.status()).isEqualTo(200);
    assertThat(retry.json().get("generated").asInt()).isZero();
    assertThat(retry.json().get("results")).isEqualTo(results);
    assertThat(VLLM.completionRequests()).as("the retry never reached the backend").hasSize(2);

    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM completion WHERE run_id = ? AND step_no = 3",
                Long.class,
                run))
        .isEqualTo(4L);
    assertThat(
            jdbc.queryForObject(
                "SELECT cardinality(token_ids) FROM completion"
                    + " WHERE run_id = ? AND item_key = 'q-1' AND sample_index = 0",
                Integer.class,
                run))
        .isEqualTo(18);
  }

  @Test
  void metricsShowTokensDurationAndQueueDepthAfterARollout() {
    UUID run = newRun();
    assertThat(http.post("/api/v1/rollouts", rollout(run, 0, 0)).status()).isEqualTo(200);

    String metrics = http.get("/actuator/prometheus").raw().body();
    Matcher tokens =
        Pattern.compile("(?m)^rollout_tokens_total\\{backend=\"vllm\"[^}]*} ([0-9.E]+)$")
            .matcher(metrics);
    assertThat(tokens.find()).as(metrics).isTrue();
    assertThat(Double.parseDouble(tokens.group(1)))
        .as("2 prompts × (18 + 4) tokens at least")
        .isGreaterThanOrEqualTo(44.0);
    assertThat(metrics)
        .containsPattern(
            "rollout_request_duration_seconds_count\\{backend=\"vllm\",outcome=\"success\"")
        .containsPattern("rollout_completions_total\\{backend=\"vllm\",finish_reason=\"length\"")
        .containsPattern("rollout_queue_depth\\{backend=\"vllm\"[^}]*} 0");

    // the rollout half of "every metric the dashboard queries exists after a short run"
    DashboardMetrics queried =
        DashboardMetrics.load(Path.of("../deploy/grafana/dashboards/grpo-training.json"))
            .metricsWithPrefix("rollout_", "jvm_", "http_", "hikaricp_");
    assertThat(queried.names())
        .contains(
            "rollout_tokens_total",
            "rollout_request_duration_seconds_bucket",
            "rollout_completions_total",
            "rollout_queue_depth");
    assertThat(queried.missingFrom(metrics)).as(queried.explainMissing(metrics)).isEmpty();
  }

  @Test
  void invalidRequestsAre400ProblemsNamingEveryInvalidField() {
    Response r =
        http.post(
            "/api/v1/rollouts",
            """
            {"step": -1, "policyVersion": 0, "n": 0, "prompts": [{"itemId": "a", "text": "x"}],
             "sampling": {"topP": 2, "maxTokens": 0}}
            """);
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(fields(r))
        .containsExactlyInAnyOrder("n", "runId", "sampling.maxTokens", "sampling.topP", "step");

    Response crossField =
        http.post(
            "/api/v1/rollouts",
            """
            {"runId": "%s", "step": 0, "policyVersion": 0, "n": 2,
             "prompts": [{"itemId": "a", "text": "x", "tokenIds": [1]},
                         {"itemId": "a", "text": "y"}, {"itemId": "c"}]}
            """
                .formatted(UUID.randomUUID()));
    assertThat(crossField.status()).isEqualTo(400);
    assertThat(fields(crossField))
        .containsExactlyInAnyOrder("prompts[0]", "prompts[1].itemId", "prompts[2]");

    Response unknown =
        http.post("/api/v1/rollouts", "{\"temprature\": 1, \"backend\": \"Bad Name\"}");
    assertThat(fields(unknown)).contains("temprature");

    Response noSuchBackend =
        http.post(
            "/api/v1/rollouts",
            rollout(newRun(), 0, 0).replace("\"n\": 2", "\"n\": 2, \"backend\": \"sglang\""));
    assertThat(noSuchBackend.status()).isEqualTo(400);
    assertThat(fields(noSuchBackend)).containsExactly("backend");
    assertThat(VLLM.completionRequests()).isEmpty();
  }

  @Test
  void anUnknownRunIs404() {
    Response r = http.post("/api/v1/rollouts", rollout(UUID.randomUUID(), 0, 0));
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(VLLM.completionRequests()).isEmpty();
  }

  @Test
  void aRolloutForANewerPolicyThanTheBackendServesIs409() {
    Response r = http.post("/api/v1/rollouts", rollout(newRun(), 0, 999));
    assertThat(r.status()).isEqualTo(409);
    assertThat(r.json().get("type").asString()).endsWith("/policy-version-ahead");
    assertThat(r.json().get("detail").asString())
        .contains("backend vllm serves policy version")
        .contains("asks for 999")
        .contains("/api/v1/policies/sync");
    assertThat(VLLM.completionRequests()).isEmpty();
  }

  @Test
  void aBackend400IsA502ProblemWithTheBackendsMessageAndNothingIsStored() {
    UUID run = newRun();
    VLLM.fallback(Reply.error(400, "error-400.json"));
    Response r = http.post("/api/v1/rollouts", rollout(run, 0, 0));
    assertThat(r.status()).isEqualTo(502);
    assertThat(r.json().get("type").asString()).endsWith("/backend-rejected");
    assertThat(r.json().get("detail").asString()).contains("maximum context length");
    // the first 400 cancels the batch, so the other prompt may or may not have gone out
    List<String> sentIds =
        VLLM.completionRequests().stream().map(b -> b.get("request_id").asString()).toList();
    assertThat(sentIds).as("4xx is never retried").doesNotHaveDuplicates().hasSizeBetween(1, 2);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM completion WHERE run_id = ?", Long.class, run))
        .isZero();
  }

  @Test
  void anAdapterTheServerRejectsIsA422CountedAndTheBackendKeepsItsVersion() {
    UUID run = newRun();
    long before = http.get("/api/v1/backends").json().get(0).get("policyVersion").asLong();
    VLLM.loraStatus(400);
    Response refused =
        http.post(
            "/api/v1/policies/sync",
            """
            {"runId": "%s", "policyVersion": %d, "checkpointUri": "/ckpt/%s/rejected"}
            """
                .formatted(run, before + 1, run));
    assertThat(refused.status()).as(refused.raw().body()).isEqualTo(422);
    assertThat(refused.json().get("type").asString()).endsWith("/weight-sync-rejected");
    assertThat(refused.json().get("detail").asString())
        .contains("did not load LoRA policy-v" + (before + 1))
        .contains("keeps serving policy version " + before);
    assertThat(http.get("/api/v1/backends").json().get(0).get("policyVersion").asLong())
        .isEqualTo(before);
    assertThat(http.get("/actuator/prometheus").raw().body())
        .containsPattern(
            "rollout_weight_sync_failures_total\\{backend=\"vllm\",kind=\"rejected\"[^}]*\\} [1-9]");
  }

  @Test
  void aSyncLoadsTheLoraAdapterAndRolloutsThenServeTheNewVersion() {
    UUID run = newRun();
    long before = http.get("/api/v1/backends").json().get(0).get("policyVersion").asLong();
    long next = before + 1;
    String sync =
        """
        {"runId": "%s", "policyVersion": %d, "checkpointUri": "file:///ckpt/%s/step-%d"}
        """
            .formatted(run, next, run, next);

    Response synced = http.post("/api/v1/policies/sync", sync);
    assertThat(synced.status()).as(synced.raw().body()).isEqualTo(200);
    assertThat(synced.json().get("changed").asBoolean()).isTrue();
    assertThat(synced.json().get("policyVersion").asLong()).isEqualTo(next);
    assertThat(VLLM.loraLoads()).hasSize(1);
    assertThat(VLLM.loraLoads().get(0).get("lora_name").asString()).isEqualTo("policy-v" + next);
    assertThat(VLLM.loraLoads().get(0).get("lora_path").asString())
        .isEqualTo("/ckpt/" + run + "/step-" + next);
    assertThat(http.post("/api/v1/policies/sync", sync).json().get("changed").asBoolean())
        .as("a repeated sync is a no-op")
        .isFalse();
    // the sync that moved the backend is timed (an s3-style path has no local bytes to count)
    assertThat(http.get("/actuator/prometheus").raw().body())
        .containsPattern(
            "rollout_weight_sync_duration_seconds_count\\{backend=\"vllm\"[^}]*\\} [1-9]");

    JsonNode backends = http.get("/api/v1/backends").json();
    assertThat(backends).hasSize(1);
    JsonNode vllm = backends.get(0);
    assertThat(vllm.get("name").asString()).isEqualTo("vllm");
    assertThat(vllm.get("type").asString()).isEqualTo("openai");
    assertThat(vllm.get("isDefault").asBoolean()).isTrue();
    assertThat(vllm.get("healthy").asBoolean()).isTrue();
    assertThat(vllm.get("policyVersion").asLong()).isEqualTo(next);
    assertThat(vllm.get("endpoints").get(0).get("url").asString()).isEqualTo(VLLM.url().toString());
    assertThat(vllm.get("endpoints").get(0).get("healthy").asBoolean()).isTrue();

    Response rollout = http.post("/api/v1/rollouts", rollout(run, 0, next));
    assertThat(rollout.status()).isEqualTo(200);
    assertThat(
            rollout
                .json()
                .get("results")
                .get(0)
                .get("samples")
                .get(0)
                .get("policyVersion")
                .asLong())
        .isEqualTo(next);
    assertThat(VLLM.completionRequests().get(0).get("model").asString())
        .isEqualTo("policy-v" + next);

    Response back =
        http.post(
            "/api/v1/policies/sync",
            sync.replace("\"policyVersion\": " + next, "\"policyVersion\": " + before));
    assertThat(back.status()).isEqualTo(409);
    assertThat(
            http.post(
                    "/api/v1/policies/sync",
                    sync.replace(run.toString(), UUID.randomUUID().toString()))
                .status())
        .isEqualTo(404);
    assertThat(http.withKey(null).post("/api/v1/policies/sync", sync).status()).isEqualTo(401);
  }

  @Test
  void theTrainersClientGetsOnlyTheMissingItemsGenerated() {
    RolloutClient client =
        HttpServiceProxyFactory.builderFor(
                RestClientAdapter.create(
                    RestClient.builder()
                        .baseUrl("http://localhost:" + port)
                        .defaultHeader("Authorization", "Bearer test-key")
                        .build()))
            .build()
            .createClient(RolloutClient.class);
    UUID run = newRun();
    Sampling sampling = new Sampling(1.0, 1.0, 0, 32, List.of(), 1234L);
    RolloutResponse first =
        client.rollout(
            new RolloutRequest(
                run,
                5,
                0L,
                List.of(new Prompt("a", "1+1?", null), new Prompt("b", "2+2?", null)),
                2,
                sampling,
                null));
    assertThat(first.generated()).isEqualTo(4);

    RolloutResponse second =
        client.rollout(
            new RolloutRequest(
                run,
                5,
                0L,
                List.of(new Prompt("b", "2+2?", null), new Prompt("c", "3+3?", null)),
                2,
                sampling,
                null));
    assertThat(second.generated()).as("b is in the ledger already; only c is new").isEqualTo(2);
    assertThat(VLLM.completionRequests()).hasSize(3);
    assertThat(VLLM.completionRequests().get(2).get("prompt").asString()).isEqualTo("3+3?");
    assertThat(VLLM.completionRequests().get(2).get("seed").asLong()).isEqualTo(1234L);
    assertThat(second.results().get(0).itemId()).isEqualTo("b");
    assertThat(second.results().get(0).samples().get(0).tokenIds())
        .isEqualTo(first.results().get(1).samples().get(0).tokenIds());
    assertThat(second.results().get(1).samples().get(1).logprobs())
        .containsExactly(-0.0123f, -0.0004f, -2.5f, -0.125f);
    assertThat(client.backends().get(0).name()).isEqualTo("vllm");
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM completion WHERE run_id = ? AND step_no = 5",
                Long.class,
                run))
        .isEqualTo(6L);
  }

  @Test
  void theOpenApiDocumentDescribesTheRolloutBody() {
    String doc = http.get("/v3/api-docs").raw().body();
    assertThat(doc).contains("/api/v1/rollouts").contains("RolloutRequest").contains("maxTokens");
  }

  private static List<String> fields(Response r) {
    List<String> out = new ArrayList<>();
    r.json().get("errors").forEach(e -> out.add(e.get("field").asString()));
    return out;
  }
}
