package dev.grpo.trainer.step;

import ai.djl.Device;
import dev.grpo.api.run.RunSpec;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.trainer.checkpoint.CheckpointLedger;

/** What a run reads from earlier runs: the checkpoint its policy starts from. */
final class StageInputs {

  private StageInputs() {}

  /**
   * The policy a run starts from: the checkpoint {@code initialCheckpoint} names (verified against
   * the ledger), else the spec's model (a preset initialised from the seed, or a model directory).
   */
  static DecoderModel initialPolicy(RunSpec spec, CheckpointLedger checkpoints) {
    if (spec.initialCheckpoint() == null) {
      return RunConfigs.initialPolicy(spec);
    }
    return checkpoints
        .byId(spec.initialCheckpoint())
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "initialCheckpoint " + spec.initialCheckpoint() + " is not in the ledger"))
        .loadModel(Device.cpu());
  }
}
