package dev.grpo.policy.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ModelPresetTest {

  @Test
  void theSmallPresetIsTheShapeTheTrainerBuiltForIt() {
    assertThat(ModelPreset.SMALL.config())
        .isEqualTo(
            new ModelConfig(
                "llama", 256, 704, 4, 8, 4, 32, 104, 1024, 1e-6, 10000.0, true, false, false));
    assertThat(ModelPreset.SMALL.config().groupSize()).isEqualTo(2);
  }

  @Test
  void theTinyPresetIsTheDemoModel() {
    assertThat(ModelPreset.TINY.config(50))
        .isEqualTo(
            new ModelConfig(
                "llama", 64, 176, 3, 4, 2, 16, 50, 512, 1e-6, 10000.0, true, false, false));
    assertThat(ModelPreset.TINY.config()).isEqualTo(ModelConfig.tiny());
  }

  @Test
  void presetsAreFoundByTheirSpecName() {
    assertThat(ModelPreset.names()).containsExactly("micro", "tiny", "small");
    assertThat(ModelPreset.named("small")).contains(ModelPreset.SMALL);
    assertThat(ModelPreset.named("tiny")).contains(ModelPreset.TINY);
    assertThat(ModelPreset.named("micro")).contains(ModelPreset.MICRO);
    assertThat(ModelPreset.named("TINY")).isEmpty();
    assertThat(ModelPreset.named("/models/qwen2-0.5b")).isEmpty();
    assertThat(ModelPreset.named(null)).isEmpty();
  }
}
