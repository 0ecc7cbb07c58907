package dev.grpo.rollout.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.grpo.api.rollout.RolloutRequest.Sampling;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.rollout.backend.BackendException;
import dev.grpo.rollout.backend.BackendException.Kind;
import dev.grpo.rollout.backend.GeneratedSample;
import dev.grpo.rollout.backend.GenerationBatch;
import dev.grpo.rollout.backend.GenerationBatch.PromptInput;
import dev.grpo.rollout.backend.InferenceBackend.Generation;
import dev.grpo.rollout.backend.WeightUpdate;
import dev.grpo.rollout.config.RolloutProperties;
import dev.grpo.rollout.testing.FakeVllm;
import dev.grpo.rollout.testing.FakeVllm.Reply;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The OpenAI-compatible backend against in-test vLLM servers replaying recorded responses. */
class OpenAiBackendTest {

  private static final String MODEL = "Qwen/Qwen2.5-0.5B-Instruct";
  private static final Sampling DEFAULTS = new Sampling(null, null, null, null, null, null);
  private static final java.util.UUID RUN =
      java.util.UUID.fromString("00000000-0000-0000-0000-000000000001");
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private FakeVllm server() {
    FakeVllm s = FakeVllm.start();
    open.add(s);
    return s;
  }

  private OpenAiBackend backend(
      List<URI> endpoints, int concurrency, Duration timeout, int retries, String lora, URI hook) {
    return backend(endpoints, concurrency, timeout, retries, lora, hook, null, null);
  }

  private OpenAiBackend backend(
      List<URI> endpoints,
      int concurrency,
      Duration timeout,
      int retries,
      String lora,
      URI hook,
      String fullSync,
      Path servedPath) {
    RolloutProperties.Backend config =
        new RolloutProperties.Backend(
            "vllm",
            "openai",
            endpoints,
            MODEL,
            concurrency,
            timeout,
            retries,
            Duration.ofMillis(10),
            Duration.ofMillis(40),
            Duration.ofHours(1), // the tests run health checks by hand
            Duration.ofSeconds(2),
            lora,
            hook,
            fullSync,
            servedPath,
            0,
            "vllm");
    OpenAiBackend b =
        new OpenAiBackend(config, Duration.ofSeconds(10), JsonMapper.builder().build());
    open.add(b);
    return b;
  }

  private OpenAiBackend backend(FakeVllm... servers) {
    return backend(
        List.of(servers).stream().map(FakeVllm::url).toList(),
        4,
        Duration.ofSeconds(5),
        3,
        null,
        null);
  }

  private static GenerationBatch batch(int prompts, Sampling sampling) {
    return new GenerationBatch(
        RUN,
        "run-1:0",
        IntStream.range(0, prompts)
            .mapToObj(i -> new PromptInput("item-" + i, "What is 2+3?", null))
            .toList(),
        2,
        sampling);
  }

  @Test
  void sendsEverySamplingFieldExplicitlyEvenWhenDefaulted() {
    FakeVllm vllm = server();
    backend(vllm).generate(batch(1, new Sampling(0.7, null, null, null, List.of("</answer>"), 7L)));

    JsonNode body = vllm.completionRequests().get(0);
    assertThat(body.get("model").asString()).isEqualTo(MODEL);
    assertThat(body.get("prompt").asString()).isEqualTo("What is 2+3?");
    assertThat(body.get("n").asInt()).isEqualTo(2);
    assertThat(body.get("temperature").asDouble()).isEqualTo(0.7);
    assertThat(body.get("top_p").asDouble()).isEqualTo(1.0);
    assertThat(body.get("top_k").asInt()).as("0 = no cut, sent as -1").isEqualTo(-1);
    assertThat(body.get("max_tokens").asInt())
        .as("never left to vLLM's default of 16")
        .isEqualTo(256);
    assertThat(body.get("stop").get(0).asString()).isEqualTo("</answer>");
    assertThat(body.get("seed").asLong()).isEqualTo(7L);
    assertThat(body.get("logprobs").asInt()).isEqualTo(1);
    assertThat(body.get("skip_special_tokens").asBoolean()).isFalse();
    assertThat(body.get("include_stop_str_in_output").asBoolean()).isTrue();
    assertThat(body.get("return_token_ids").asBoolean()).isTrue();
    assertThat(body.get("return_tokens_as_token_ids").asBoolean()).isTrue();
    assertThat(body.get("repetition_penalty").asDouble()).isEqualTo(1.0);
    assertThat(body.get("min_p").asDouble()).isEqualTo(0.0);
    assertThat(body.get("stream").asBoolean()).isFalse();
    assertThat(body.get("request_id").asString()).isEqualTo("run-1:0:item-0");

    backend(vllm).generate(batch(1, DEFAULTS));
    JsonNode defaulted = vllm.completionRequests().get(1);
    assertThat(defaulted.has("seed")).as("an absent seed is an explicit null").isTrue();
    assertThat(defaulted.get("seed").isNull()).isTrue();
    assertThat(defaulted.get("temperature").asDouble()).isEqualTo(1.0);
    assertThat(defaulted.get("stop").isArray()).isTrue();
    assertThat(defaulted.get("stop").size()).isZero();
  }

  @Test
  void parsesTokenIdsLogprobsAndFinishReasonsOfTheRecordedResponse() {
    FakeVllm vllm = server();
    Generation g = backend(vllm).generate(batch(1, DEFAULTS));

    assertThat(g.policyVersion()).isZero();
    List<GeneratedSample> samples = g.samples().get(0);
    assertThat(samples).hasSize(2);
    GeneratedSample first = samples.get(0);
    assertThat(first.tokenIds())
        .containsExactly(
            13708, 29, 17, 10, 18, 28, 20, 522, 26865, 29, 366, 9217, 29, 20, 522, 9217, 29,
            151645);
    assertThat(first.logprobs()).hasSize(18);
    assertThat(first.logprobs()[2]).isEqualTo(-1.25f);
    assertThat(first.logprobs()[0]).isCloseTo(-0.0123f, within(1e-6f));
    assertThat(first.finishReason()).isEqualTo("stop");
    assertThat(first.text()).isEqualTo("<think>2+3=5</think> <answer>5</answer><|im_end|>");
    GeneratedSample second = samples.get(1);
    assertThat(second.tokenIds()).containsExactly(13708, 29, 18, 10);
    assertThat(second.logprobs()).containsExactly(-0.0123f, -0.0004f, -2.5f, -0.125f);
    assertThat(second.finishReason()).isEqualTo("length");
  }

  @Test
  void tokenPromptsGoOutAsIdsAndOlderServersTokenIdStringsAreParsed() {
    FakeVllm vllm = server().fallback(Reply.ok("completions-token-id-strings.json"));
    GenerationBatch batch =
        new GenerationBatch(
            RUN,
            "r:1",
            List.of(new PromptInput("p", null, new int[] {151644, 872, 198})),
            1,
            DEFAULTS);
    GeneratedSample s = backend(vllm).generate(batch).samples().get(0).get(0);

    JsonNode prompt = vllm.completionRequests().get(0).get("prompt");
    assertThat(prompt.isArray()).isTrue();
    assertThat(prompt.get(0).asInt()).isEqualTo(151644);
    assertThat(prompt.get(2).asInt()).isEqualTo(198);
    assertThat(s.tokenIds()).containsExactly(16, 488, 220, 17, 284, 220, 18, 151643);
    assertThat(s.logprobs()[0]).isCloseTo(-0.9f, within(1e-6f));
    assertThat(s.logprobs()[6]).isEqualTo(-0.125f);
  }

  @Test
  void retries500And503ThenSucceedsWithTheSameBody() {
    FakeVllm vllm =
        server().script(Reply.error(500, "error-500.json"), Reply.error(503, "error-503.json"));
    Generation g = backend(vllm).generate(batch(1, DEFAULTS));

    assertThat(g.samples().get(0)).hasSize(2);
    List<JsonNode> sent = vllm.completionRequests();
    assertThat(sent).as("two failures, then the success").hasSize(3);
    assertThat(sent.get(1)).isEqualTo(sent.get(0));
    assertThat(sent.get(2)).isEqualTo(sent.get(0));
  }

  @Test
  void givesUpAfterMaxRetriesWithTheLastError() {
    FakeVllm vllm = server().fallback(Reply.error(503, "error-503.json"));
    OpenAiBackend b = backend(List.of(vllm.url()), 4, Duration.ofSeconds(5), 2, null, null);

    assertThatThrownBy(() -> b.generate(batch(1, DEFAULTS)))
        .isInstanceOf(BackendException.class)
        .hasMessageContaining("after 3 attempts")
        .hasMessageContaining("overloaded")
        .extracting(e -> ((BackendException) e).kind())
        .isEqualTo(Kind.FAILED);
    assertThat(vllm.completionRequests()).hasSize(3);
  }

  @Test
  void a400IsNotRetriedAndItsMessageIsKept() {
    FakeVllm vllm = server().script(Reply.error(400, "error-400.json"));
    assertThatThrownBy(() -> backend(vllm).generate(batch(1, DEFAULTS)))
        .isInstanceOf(BackendException.class)
        .hasMessageContaining("400")
        .hasMessageContaining("maximum context length is 4096 tokens")
        .extracting(e -> ((BackendException) e).kind())
        .isEqualTo(Kind.REJECTED);
    assertThat(vllm.completionRequests()).as("never retried").hasSize(1);
  }

  @Test
  void aSlowEndpointTimesOutAndTheRetryGoesToTheOtherEndpoint() {
    FakeVllm slow = server().fallback(Reply.slow(3000, "completions-n2.json"));
    FakeVllm fast = server();
    OpenAiBackend b =
        backend(List.of(slow.url(), fast.url()), 4, Duration.ofMillis(400), 1, null, null);

    Generation g = b.generate(batch(1, DEFAULTS));

    assertThat(g.samples().get(0).get(0).tokenIds()).hasSize(18);
    assertThat(slow.completionRequests()).as("the first attempt").hasSize(1);
    assertThat(fast.completionRequests()).as("the retry").hasSize(1);
    assertThat(b.health().endpoints().get(0).lastError()).contains("timed out");
  }

  @Test
  void anEndpointThatGoesDownIsDroppedAndReAddedByHealthChecks() {
    FakeVllm a = server();
    FakeVllm b = server();
    OpenAiBackend backend = backend(a, b);

    a.down(true);
    backend.checkHealth();
    assertThat(backend.health().endpoints().get(0).healthy()).isFalse();
    assertThat(backend.health().endpoints().get(0).lastError()).contains("503");
    assertThat(backend.health().healthy()).isTrue();
    backend.generate(batch(6, DEFAULTS));
    assertThat(a.completionRequests()).as("a dropped endpoint gets no traffic").isEmpty();
    assertThat(b.completionRequests()).hasSize(6);

    a.down(false);
    backend.checkHealth();
    assertThat(backend.health().endpoints().get(0).healthy()).isTrue();
    backend.generate(batch(6, DEFAULTS));
    assertThat(a.completionRequests()).as("re-added, it takes traffic again").isNotEmpty();
  }

  @Test
  void aRefusedConnectionDropsTheEndpointAndTheRequestMovesOn() throws IOException {
    URI closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = URI.create("http://127.0.0.1:" + s.getLocalPort());
    }
    FakeVllm up = server();
    OpenAiBackend b = backend(List.of(closed, up.url()), 4, Duration.ofSeconds(5), 2, null, null);

    assertThat(b.generate(batch(1, DEFAULTS)).samples().get(0)).hasSize(2);
    assertThat(b.health().endpoints().get(0).healthy()).isFalse();
    assertThat(up.completionRequests()).hasSize(1);
  }

  @Test
  void noHealthyEndpointIsUnavailable() {
    FakeVllm a = server();
    OpenAiBackend b = backend(a);
    a.down(true);
    b.checkHealth();
    assertThatThrownBy(() -> b.generate(batch(1, DEFAULTS)))
        .isInstanceOf(BackendException.class)
        .extracting(e -> ((BackendException) e).kind())
        .isEqualTo(Kind.UNAVAILABLE);
    assertThat(a.completionRequests()).isEmpty();
  }

  @Test
  void loadIsSpreadOverBothEndpointsWithinTheirConcurrencyLimit() {
    FakeVllm a = server().fallback(Reply.slow(150, "completions-n2.json"));
    FakeVllm b = server().fallback(Reply.slow(150, "completions-n2.json"));
    OpenAiBackend backend =
        backend(List.of(a.url(), b.url()), 2, Duration.ofSeconds(5), 0, null, null);

    Generation g = backend.generate(batch(16, DEFAULTS));

    assertThat(g.samples()).hasSize(16);
    assertThat(a.completionRequests().size() + b.completionRequests().size()).isEqualTo(16);
    assertThat(a.completionRequests()).hasSizeGreaterThanOrEqualTo(4);
    assertThat(b.completionRequests()).hasSizeGreaterThanOrEqualTo(4);
    assertThat(a.maxInFlight()).isBetween(1, 2);
    assertThat(b.maxInFlight()).isBetween(1, 2);
    assertThat(a.maxInFlight() + b.maxInFlight()).as("requests ran in parallel").isGreaterThan(2);
    assertThat(backend.health().outstandingRequests()).isZero();
  }

  @Test
  void anUnusableSuccessIsAnErrorNotAGuess() {
    FakeVllm vllm = server();
    OpenAiBackend b = backend(vllm);
    GenerationBatch four =
        new GenerationBatch(RUN, "r:1", List.of(new PromptInput("p", "x", null)), 4, DEFAULTS);
    assertThatThrownBy(() -> b.generate(four))
        .isInstanceOf(BackendException.class)
        .hasMessageContaining("n=4")
        .extracting(e -> ((BackendException) e).kind())
        .isEqualTo(Kind.BAD_RESPONSE);
    assertThat(vllm.completionRequests()).as("a bad 200 is not retried").hasSize(1);
  }

  /** A published policy version as the trainer writes it: config.json and model.safetensors. */
  private static Path publish(Path root, long version, long seed) {
    Path dir = root.resolve("v" + version);
    try (DecoderModel m = DecoderModel.randomInit(ModelConfig.tiny(), seed)) {
      m.save(dir);
    }
    return dir;
  }

  /** The first weight of a model directory, read with the policy's own loader. */
  private static float firstWeight(Path dir) {
    try (DecoderModel m = DecoderModel.load(dir)) {
      return m.parameters().values().iterator().next().toFloatArray()[0];
    }
  }

  @Test
  void sglangFullSyncHasEveryEndpointReloadTheVersionFromDisk(@TempDir Path tmp) {
    FakeVllm a = server();
    FakeVllm b = server();
    OpenAiBackend backend =
        backend(List.of(a.url(), b.url()), 2, Duration.ofSeconds(5), 0, null, null, "sglang", null);
    Path v1 = publish(tmp, 1, 1);
    Path v2 = publish(tmp, 2, 2);

    assertThat(backend.syncWeights(new WeightUpdate(RUN, 1, v1.toUri().toString()))).isTrue();
    assertThat(backend.syncWeights(new WeightUpdate(RUN, 2, v2.toString()))).isTrue();

    for (FakeVllm s : List.of(a, b)) {
      assertThat(s.diskUpdates()).hasSize(2);
      assertThat(s.diskUpdates().get(0).get("model_path").asString()).isEqualTo(v1.toString());
      assertThat(s.diskUpdates().get(1).get("model_path").asString()).isEqualTo(v2.toString());
    }
    // what the servers were pointed at loads with the policy's own loader, and is that version
    Path told = Path.of(a.diskUpdates().get(1).get("model_path").asString());
    assertThat(firstWeight(told)).isEqualTo(firstWeight(v2)).isNotEqualTo(firstWeight(v1));
    assertThat(backend.policyVersion()).isEqualTo(2);
    assertThat(backend.checkpointUri()).isEqualTo(v2.toString());
  }

  @Test
  void aFullSyncThatOneEndpointRefusesLeavesTheBackendOnItsVersionAndCanBeRepeated(
      @TempDir Path tmp) {
    FakeVllm a = server();
    FakeVllm b = server();
    OpenAiBackend backend =
        backend(List.of(a.url(), b.url()), 2, Duration.ofSeconds(5), 0, null, null, "sglang", null);
    Path v1 = publish(tmp, 1, 1);
    b.reloadStatus(500); // SGLang answers 200 with success false

    assertThatThrownBy(() -> backend.syncWeights(new WeightUpdate(RUN, 1, v1.toString())))
        .isInstanceOf(BackendException.class)
        .hasMessageContaining("shape mismatch")
        .extracting(e -> ((BackendException) e).kind())
        .isEqualTo(Kind.FAILED);
    assertThat(backend.policyVersion()).isZero();

    b.reloadStatus(200);
    assertThat(backend.syncWeights(new WeightUpdate(RUN, 1, v1.toString()))).isTrue();
    assertThat(backend.policyVersion()).isEqualTo(1);
  }

  @Test
  void anEndpointDownDuringAFullSyncReloadsTheCurrentVersionBeforeItServesAgain(@TempDir Path tmp) {
    FakeVllm a = server();
    FakeVllm b = server();
    OpenAiBackend backend =
        backend(List.of(a.url(), b.url()), 2, Duration.ofSeconds(5), 0, null, null, "sglang", null);
    Path v1 = publish(tmp, 1, 1);
    b.down(true);
    backend.checkHealth();

    backend.syncWeights(new WeightUpdate(RUN, 1, v1.toString()));
    assertThat(b.diskUpdates()).isEmpty();

    b.down(false);
    backend.checkHealth();
    assertThat(b.diskUpdates()).hasSize(1);
    assertThat(b.diskUpdates().get(0).get("model_path").asString()).isEqualTo(v1.toString());
    assertThat(backend.health().healthy()).isTrue();
    backend.checkHealth(); // healthy and current: not reloaded again
    assertThat(b.diskUpdates()).hasSize(1);
    assertThat(a.diskUpdates()).hasSize(1);
  }

  @Test
  void aVllmSyncThatFailsPutsTheServedPathBackAndAMissingVersionIsNeverLinked(@TempDir Path tmp)
      throws Exception {
    Path v0 = publish(tmp, 0, 0);
    Path v1 = publish(tmp, 1, 1);
    Path served = tmp.resolve("served");
    java.nio.file.Files.createSymbolicLink(served, v0);
    FakeVllm a = server();
    a.servedPath(served);
    a.reloadStatus(500);
    OpenAiBackend backend =
        backend(List.of(a.url()), 2, Duration.ofSeconds(5), 0, null, null, "vllm", served);

    assertThatThrownBy(() -> backend.syncWeights(new WeightUpdate(RUN, 1, v1.toString())))
        .isInstanceOf(BackendException.class);
    assertThat(served.toRealPath()).isEqualTo(v0.toRealPath());
    assertThat(a.reloadsFrom()).containsExactly(v1.toRealPath().toString());

    assertThatThrownBy(
            () -> backend.syncWeights(new WeightUpdate(RUN, 2, tmp.resolve("v9").toString())))
        .isInstanceOf(BackendException.class)
        .hasMessageContaining("config.json");
    assertThat(served.toRealPath()).isEqualTo(v0.toRealPath());
    assertThat(backend.policyVersion()).isZero();
  }

  @Test
  void vllmFullSyncRepointsTheServedPathThenReloadsAndDropsThePrefixCache(@TempDir Path tmp)
      throws Exception {
    Path v1 = publish(tmp, 1, 1);
    Path v2 = publish(tmp, 2, 2);
    Path served = tmp.resolve("served");
    java.nio.file.Files.createSymbolicLink(served, publish(tmp, 0, 0));
    FakeVllm a = server();
    a.servedPath(served);
    OpenAiBackend backend =
        backend(List.of(a.url()), 2, Duration.ofSeconds(5), 0, null, null, "vllm", served);

    backend.syncWeights(new WeightUpdate(RUN, 1, v1.toString()));
    backend.syncWeights(new WeightUpdate(RUN, 2, v2.toUri().toString()));

    assertThat(a.rpcCalls()).hasSize(2);
    assertThat(a.rpcCalls().get(0).get("method").asString()).isEqualTo("reload_weights");
    // at each reload the served path already led to the new version
    assertThat(a.reloadsFrom())
        .containsExactly(v1.toRealPath().toString(), v2.toRealPath().toString());
    assertThat(a.prefixResets()).isEqualTo(2);
    assertThat(firstWeight(served)).isEqualTo(firstWeight(v2));
    assertThat(java.nio.file.Files.isSymbolicLink(served)).isTrue();
  }

  @Test
  void aFullSyncToAUrlTheServersCannotReadIsRefused(@TempDir Path tmp) {
    FakeVllm a = server();
    OpenAiBackend backend =
        backend(List.of(a.url()), 2, Duration.ofSeconds(5), 0, null, null, "sglang", null);
    assertThatThrownBy(() -> backend.syncWeights(new WeightUpdate(RUN, 1, "s3://bucket/policy/v1")))
        .isInstanceOf(BackendException.class)
        .extracting(e -> ((BackendException) e).kind())
        .isEqualTo(Kind.UNSUPPORTED);
    assertThat(a.diskUpdates()).isEmpty();
  }

  @Test
  void loraSyncLoadsTheNewAdapterUnloadsThePreviousAndRequestsUseIt() {
    FakeVllm a = server();
    FakeVllm b = server();
    OpenAiBackend backend =
        backend(List.of(a.url(), b.url()), 4, Duration.ofSeconds(5), 0, "policy", null);
    UUID run = UUID.randomUUID();

    assertThat(backend.syncWeights(new WeightUpdate(run, 1, "file:///ckpt/step-1"))).isTrue();
    assertThat(backend.policyVersion()).isEqualTo(1);
    for (FakeVllm s : List.of(a, b)) {
      assertThat(s.loraLoads()).hasSize(1);
      assertThat(s.loraLoads().get(0).get("lora_name").asString()).isEqualTo("policy-v1");
      assertThat(s.loraLoads().get(0).get("lora_path").asString()).isEqualTo("/ckpt/step-1");
      assertThat(s.loraUnloads()).isEmpty();
    }
    Generation g = backend.generate(batch(2, DEFAULTS));
    assertThat(g.policyVersion()).isEqualTo(1);
    assertThat(a.completionRequests().get(0).get("model").asString()).isEqualTo("policy-v1");

    assertThat(backend.syncWeights(new WeightUpdate(run, 2, "s3://bucket/step-2"))).isTrue();
    assertThat(a.loraLoads().get(1).get("lora_path").asString()).isEqualTo("s3://bucket/step-2");
    assertThat(a.loraUnloads()).hasSize(1);
    assertThat(a.loraUnloads().get(0).get("lora_name").asString()).isEqualTo("policy-v1");
    assertThat(backend.servedModel()).isEqualTo("policy-v2");

    assertThat(backend.syncWeights(new WeightUpdate(run, 2, "s3://bucket/step-2")))
        .as("a repeated sync is a no-op")
        .isFalse();
    assertThat(a.loraLoads()).hasSize(2);
    assertThatThrownBy(() -> backend.syncWeights(new WeightUpdate(run, 1, "file:///ckpt/step-1")))
        .isInstanceOf(BackendException.class)
        .hasMessageContaining("refusing to go back")
        .extracting(e -> ((BackendException) e).kind())
        .isEqualTo(Kind.CONFLICT);
  }

  @Test
  void aFailedLoadLeavesTheVersionAloneAndADownEndpointGetsTheAdapterWhenItReturns() {
    FakeVllm a = server();
    FakeVllm b = server();
    OpenAiBackend backend =
        backend(List.of(a.url(), b.url()), 4, Duration.ofSeconds(5), 0, "policy", null);
    UUID run = UUID.randomUUID();

    b.loraStatus(500);
    assertThatThrownBy(() -> backend.syncWeights(new WeightUpdate(run, 1, "/ckpt/1")))
        .isInstanceOf(BackendException.class)
        .hasMessageContaining("cannot load adapter");
    assertThat(backend.policyVersion()).isZero();
    assertThat(backend.servedModel()).isEqualTo(MODEL);

    b.loraStatus(200);
    b.down(true);
    backend.checkHealth();
    assertThat(backend.syncWeights(new WeightUpdate(run, 1, "/ckpt/1"))).isTrue();
    assertThat(a.loraLoads()).as("already loaded by the failed sync").hasSize(1);
    b.down(false);
    backend.checkHealth();
    assertThat(b.loraLoads().get(b.loraLoads().size() - 1).get("lora_name").asString())
        .isEqualTo("policy-v1");
    assertThat(backend.health().endpoints().get(1).healthy()).isTrue();
  }

  @Test
  void aReloadHookIsCalledWithTheCheckpoint() {
    FakeVllm vllm = server();
    OpenAiBackend b =
        backend(
            List.of(vllm.url()),
            4,
            Duration.ofSeconds(5),
            0,
            null,
            URI.create(vllm.url() + "/reload"));
    UUID run = UUID.randomUUID();

    assertThat(b.syncWeights(new WeightUpdate(run, 3, "/ckpt/3"))).isTrue();
    assertThat(b.policyVersion()).isEqualTo(3);
    JsonNode call = vllm.hookCalls().get(0);
    assertThat(call.get("runId").asString()).isEqualTo(run.toString());
    assertThat(call.get("policyVersion").asLong()).isEqualTo(3);
    assertThat(call.get("checkpointUri").asString()).isEqualTo("/ckpt/3");
  }

  @Test
  void withoutAnyWeightSyncMechanismASyncIsRefused() {
    OpenAiBackend b = backend(server());
    assertThatThrownBy(() -> b.syncWeights(new WeightUpdate(UUID.randomUUID(), 1, "/c")))
        .isInstanceOf(BackendException.class)
        .extracting(e -> ((BackendException) e).kind())
        .isEqualTo(Kind.UNSUPPORTED);
    assertThat(b.policyVersion()).isZero();
  }

  @Test
  void backoffGrowsExponentiallyWithJitterUpToTheCap() {
    OpenAiBackend b = backend(server());
    // base 10 ms, cap 40 ms: attempt k waits within [exp/2, exp], exp = min(40, 10 * 2^k)
    for (int i = 0; i < 50; i++) {
      assertThat(b.backoff(0).toMillis()).isBetween(5L, 10L);
      assertThat(b.backoff(1).toMillis()).isBetween(10L, 20L);
      assertThat(b.backoff(5).toMillis()).isBetween(20L, 40L);
    }
  }
}
