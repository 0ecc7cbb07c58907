package dev.grpo.rollout.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import dev.grpo.api.rollout.RolloutRequest.Sampling;
import dev.grpo.api.run.RunSpec;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelPreset;
import dev.grpo.policy.model.TokenLogProbs;
import dev.grpo.policy.tokenizer.CharTokenizer;
import dev.grpo.rollout.backend.GeneratedSample;
import dev.grpo.rollout.backend.GenerationBatch;
import dev.grpo.rollout.backend.GenerationBatch.PromptInput;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The embedded backend builds the policy module's presets, the ones a run spec may name. */
class EmbeddedPresetsTest {

  @Test
  void theSmallPresetSamplesFromTheSmallModel() {
    GeneratedSample sample;
    EmbeddedBackend backend = new EmbeddedBackend("e", "small", 0);
    try {
      assertThat(backend.checkpointUri()).isEqualTo("preset:small");
      Sampling sampling = new Sampling(1.0, 1.0, 0, 6, List.of(), 7L);
      GenerationBatch batch =
          new GenerationBatch(null, "r", List.of(new PromptInput("a", "3+4=", null)), 1, sampling);
      sample = backend.generate(batch).samples().get(0).get(0);
    } finally {
      backend.close();
    }
    assertThat(sample.tokenIds()).isNotEmpty();
    // the trainer's view of the same preset: random weights from seed 0
    int[] prompt = new CharTokenizer().encode("3+4=");
    try (DecoderModel small = DecoderModel.randomInit(ModelPreset.SMALL.config(), 0);
        NDManager scope = NDManager.newBaseManager()) {
      TokenLogProbs recomputed =
          small.logProbs(List.of(prompt), List.of(sample.tokenIds()), 1.0f, scope);
      float[] mine = recomputed.logProbs(0);
      for (int t = 0; t < mine.length; t++) {
        assertThat(sample.logprobs()[t]).as("token " + t).isCloseTo(mine[t], within(1e-4f));
      }
    }
  }

  @Test
  void aRunSpecAcceptsExactlyThePresetNames() {
    Validator validator = Validation.buildDefaultValidatorFactory().getValidator();
    for (String name : ModelPreset.names()) {
      assertThat(validator.validate(new RunSpec.Model(name, null))).as(name).isEmpty();
    }
    assertThat(validator.validate(new RunSpec.Model("medium", null)))
        .extracting(v -> v.getMessage())
        .containsExactly("must be one of: " + String.join(", ", ModelPreset.names()));
  }
}
