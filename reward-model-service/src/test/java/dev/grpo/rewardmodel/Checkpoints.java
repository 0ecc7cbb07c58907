package dev.grpo.rewardmodel;

import ai.djl.Device;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelPreset;
import dev.grpo.policy.reward.RewardModel;
import java.nio.file.Path;

/** Reward-model folders for the tests: a seeded backbone of a preset and a seeded head. */
final class Checkpoints {

  private Checkpoints() {}

  static Path write(Path dir, ModelPreset preset, long seed) {
    try (RewardModel model =
        RewardModel.withNewHead(
            DecoderModel.randomInit(preset.config(), seed, Device.cpu()), seed)) {
      model.save(dir);
    }
    return dir;
  }
}
