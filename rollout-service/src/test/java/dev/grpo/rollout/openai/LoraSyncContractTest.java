package dev.grpo.rollout.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import dev.grpo.api.rollout.RolloutRequest.Sampling;
import dev.grpo.policy.lora.LoraAdapters;
import dev.grpo.policy.lora.LoraConfig;
import dev.grpo.policy.lora.PeftAdapterFiles;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.rollout.backend.BackendException;
import dev.grpo.rollout.backend.BackendException.Kind;
import dev.grpo.rollout.backend.GenerationBatch;
import dev.grpo.rollout.backend.GenerationBatch.PromptInput;
import dev.grpo.rollout.backend.WeightUpdate;
import dev.grpo.rollout.config.RolloutProperties;
import dev.grpo.rollout.testing.FakeVllm;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * The LoRA sync contract with vLLM and SGLang, against an in-test server that records what it
 * receives: each version's PEFT adapter directory is loaded under its own name, sampling names the
 * adapter, the superseded adapter is unloaded, and the files the server is pointed at load with the
 * policy's own loader. A server that rejects an adapter leaves the backend on its last version.
 */
class LoraSyncContractTest {

  private static final ModelConfig CONFIG = ModelConfig.tiny();
  private static final LoraConfig LORA =
      new LoraConfig(4, 8, 0.05, List.of("q_proj", "v_proj", "gate_proj"));
  private static final UUID RUN = UUID.fromString("00000000-0000-0000-0000-000000000016");

  @TempDir Path tmp;

  private OpenAiBackend backend(URI endpoint, String api) {
    RolloutProperties.Backend config =
        new RolloutProperties.Backend(
            "vllm",
            "openai",
            List.of(endpoint),
            "base",
            4,
            Duration.ofSeconds(5),
            0,
            Duration.ofMillis(10),
            Duration.ofMillis(40),
            Duration.ofHours(1),
            Duration.ofSeconds(2),
            "policy",
            null,
            null,
            null,
            0,
            api);
    return new OpenAiBackend(config, Duration.ofSeconds(5), JsonMapper.builder().build());
  }

  /** A base model folder and the adapters of versions 1 and 2 in PEFT's layout beside it. */
  private Path[] publishTwoVersions() {
    Path base = tmp.resolve("base");
    try (DecoderModel model = DecoderModel.randomInit(CONFIG, 0, Device.cpu())) {
      model.save(base);
    }
    Path[] versions = new Path[3];
    versions[0] = base;
    for (int v = 1; v <= 2; v++) {
      try (LoraAdapters a = LoraAdapters.init(CONFIG, LORA, v, Device.cpu())) {
        fillB(a, v);
        versions[v] = tmp.resolve("policies").resolve("v" + v);
        PeftAdapterFiles.write(a, base.toString(), versions[v]);
      }
    }
    return versions;
  }

  @Test
  void vllmLoadsEachVersionSamplesWithItsNameAndUnloadsTheOneBefore() throws Exception {
    Path[] dirs = publishTwoVersions();
    try (FakeVllm server = FakeVllm.start();
        OpenAiBackend backend = backend(server.url(), "vllm")) {
      assertThat(backend.syncWeights(new WeightUpdate(RUN, 1, dirs[1].toUri().toString())))
          .isTrue();
      backend.generate(batch());
      assertThat(backend.syncWeights(new WeightUpdate(RUN, 2, dirs[2].toString()))).isTrue();
      backend.generate(batch());

      List<String> trace = server.trace();
      System.out.println("LoRA sync trace as the fake vLLM server received it:");
      trace.forEach(line -> System.out.println("  " + line));
      assertThat(trace).hasSize(5);
      assertThat(trace.get(0))
          .startsWith("POST /v1/load_lora_adapter ")
          .contains("\"lora_name\":\"policy-v1\"", "\"lora_path\":\"" + dirs[1] + "\"");
      assertThat(trace.get(1))
          .startsWith("POST /v1/completions ")
          .contains("\"model\":\"policy-v1\"");
      assertThat(trace.get(2))
          .startsWith("POST /v1/load_lora_adapter ")
          .contains("\"lora_name\":\"policy-v2\"", "\"lora_path\":\"" + dirs[2] + "\"");
      assertThat(trace.get(3))
          .isEqualTo("POST /v1/unload_lora_adapter {\"lora_name\":\"policy-v1\"}");
      assertThat(trace.get(4))
          .startsWith("POST /v1/completions ")
          .contains("\"model\":\"policy-v2\"");

      // what the server was pointed at loads with our own loader, on the base it names
      for (int v = 1; v <= 2; v++) {
        Path sent = Path.of(server.loraLoads().get(v - 1).get("lora_path").asString());
        assertThat(PeftAdapterFiles.readConfig(sent))
            .isEqualTo(new LoraConfig(4, 8, 0.05, List.of("gate_proj", "q_proj", "v_proj")));
        try (DecoderModel base = DecoderModel.load(Path.of(PeftAdapterFiles.baseModel(sent)));
            LoraAdapters read = PeftAdapterFiles.read(sent, base.config(), Device.cpu())) {
          assertThat(base.config()).isEqualTo(CONFIG);
          float[] b =
              read.parameters()
                  .get(LoraAdapters.loraBName("model.layers.1.mlp.gate_proj"))
                  .toFloatArray();
          assertThat(b[0]).isEqualTo(expectedB(v, 0));
        }
      }
    }
  }

  @Test
  void sglangGetsTheSameCallsOnItsOwnRoutes() {
    Path[] dirs = publishTwoVersions();
    try (FakeVllm server = FakeVllm.start();
        OpenAiBackend backend = backend(server.url(), "sglang")) {
      backend.syncWeights(new WeightUpdate(RUN, 1, dirs[1].toString()));
      backend.syncWeights(new WeightUpdate(RUN, 2, dirs[2].toString()));
      assertThat(server.trace())
          .extracting(line -> line.substring(0, line.indexOf(' ', 5)))
          .containsExactly(
              "POST /load_lora_adapter", "POST /load_lora_adapter", "POST /unload_lora_adapter");
    }
  }

  @Test
  void aRejectedAdapterIsAnExplicitFailureAndTheBackendKeepsItsLastGoodVersion() {
    Path[] dirs = publishTwoVersions();
    try (FakeVllm server = FakeVllm.start();
        OpenAiBackend backend = backend(server.url(), "vllm")) {
      backend.syncWeights(new WeightUpdate(RUN, 1, dirs[1].toString()));
      server.loraStatus(400);
      assertThatThrownBy(() -> backend.syncWeights(new WeightUpdate(RUN, 2, dirs[2].toString())))
          .isInstanceOf(BackendException.class)
          .hasMessageContaining("did not load LoRA policy-v2")
          .hasMessageContaining("keeps serving policy version 1")
          .extracting(e -> ((BackendException) e).kind())
          .isEqualTo(Kind.REJECTED);
      assertThat(backend.policyVersion()).isEqualTo(1);
      assertThat(backend.servedModel()).isEqualTo("policy-v1");
      assertThat(server.loraUnloads()).as("the good adapter stays loaded").isEmpty();
    }
  }

  @Test
  void fullWeightsAreNotSentAsAnAdapter() {
    Path[] dirs = publishTwoVersions();
    try (FakeVllm server = FakeVllm.start();
        OpenAiBackend backend = backend(server.url(), "vllm")) {
      assertThatThrownBy(() -> backend.syncWeights(new WeightUpdate(RUN, 1, dirs[0].toString())))
          .isInstanceOf(BackendException.class)
          .hasMessageContaining("is not a LoRA adapter");
      assertThat(server.trace()).isEmpty();
      assertThat(backend.policyVersion()).isZero();
    }
  }

  private static GenerationBatch batch() {
    return new GenerationBatch(
        RUN,
        "run-16:0",
        List.of(new PromptInput("item-0", "What is 2+3?", null)),
        2,
        new Sampling(null, null, null, null, null, null));
  }

  private static void fillB(LoraAdapters a, int version) {
    for (Map.Entry<String, NDArray> e : a.parameters().entrySet()) {
      if (e.getKey().endsWith("lora_B.weight")) {
        float[] values = new float[Math.toIntExact(e.getValue().size())];
        Random random = new Random(version);
        for (int i = 0; i < values.length; i++) {
          values[i] = (float) random.nextGaussian();
        }
        e.getValue().set(values);
      }
    }
  }

  private static float expectedB(int version, int index) {
    Random random = new Random(version);
    float value = 0;
    for (int i = 0; i <= index; i++) {
      value = (float) random.nextGaussian();
    }
    return value;
  }
}
