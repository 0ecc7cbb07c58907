package dev.grpo.rollout.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.grpo.api.rollout.RolloutRequest.Sampling;
import dev.grpo.policy.lora.LoraAdapters;
import dev.grpo.policy.lora.LoraConfig;
import dev.grpo.policy.lora.PeftAdapterFiles;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelPreset;
import dev.grpo.policy.model.TokenLogProbs;
import dev.grpo.policy.tokenizer.CharTokenizer;
import dev.grpo.rollout.backend.GeneratedSample;
import dev.grpo.rollout.backend.GenerationBatch;
import dev.grpo.rollout.backend.GenerationBatch.PromptInput;
import dev.grpo.rollout.backend.WeightUpdate;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded backend samples a LoRA run's version with the adapters applied on their base. */
class EmbeddedLoraSyncTest {

  @Test
  void aPeftAdapterVersionIsSampledWithTheAdaptersOnTheBaseItNames(@TempDir Path tmp) {
    LoraConfig lora = new LoraConfig(4, 8, 0.05, List.of("q_proj", "v_proj", "up_proj"));
    Path base = tmp.resolve("base");
    Path v1 = tmp.resolve("v1");
    try (DecoderModel model = DecoderModel.randomInit(ModelPreset.TINY.config(), 3, Device.cpu())) {
      model.save(base);
    }
    try (LoraAdapters a = LoraAdapters.init(ModelPreset.TINY.config(), lora, 1, Device.cpu())) {
      Random random = new Random(5);
      for (Map.Entry<String, NDArray> e : a.parameters().entrySet()) {
        if (e.getKey().endsWith("lora_B.weight")) {
          float[] v = new float[Math.toIntExact(e.getValue().size())];
          for (int i = 0; i < v.length; i++) {
            v[i] = (float) (random.nextGaussian() * 0.3);
          }
          e.getValue().set(v);
        }
      }
      PeftAdapterFiles.write(a, base.toString(), v1);
    }
    UUID run = UUID.randomUUID();
    GeneratedSample sample;
    EmbeddedBackend backend = new EmbeddedBackend("e", "tiny", 0);
    try {
      assertThat(backend.syncWeights(new WeightUpdate(run, 1, v1.toUri().toString()))).isTrue();
      assertThat(backend.policyVersion(run)).isEqualTo(1);
      GenerationBatch batch =
          new GenerationBatch(
              run,
              "r",
              List.of(new PromptInput("a", "3+4=", null)),
              1,
              new Sampling(1.0, 1.0, 0, 8, List.of(), 11L));
      sample = backend.generate(batch).samples().get(0).get(0);
    } finally {
      backend.close();
    }
    int[] prompt = new CharTokenizer().encode("3+4=");
    try (DecoderModel adapted = DecoderModel.load(base, Device.cpu());
        DecoderModel plain = DecoderModel.load(base, Device.cpu());
        NDManager scope = NDManager.newBaseManager()) {
      adapted.attachAdapters(PeftAdapterFiles.read(v1, adapted.config(), Device.cpu()));
      TokenLogProbs withAdapters =
          adapted.logProbs(List.of(prompt), List.of(sample.tokenIds()), 1f, scope);
      TokenLogProbs without =
          plain.logProbs(List.of(prompt), List.of(sample.tokenIds()), 1f, scope);
      float[] want = withAdapters.logProbs(0);
      float[] base0 = without.logProbs(0);
      double moved = 0;
      for (int t = 0; t < want.length; t++) {
        assertThat(sample.logprobs()[t]).as("token " + t).isCloseTo(want[t], within(1e-4f));
        moved = Math.max(moved, Math.abs(base0[t] - want[t]));
      }
      assertThat(moved).as("the adapters change the log-probs").isGreaterThan(1e-2);
    }
  }
}
