package dev.grpo.trainer.step;

import ai.djl.Device;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.trainer.checkpoint.CheckpointLedger;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.train.Checkpointer;
import dev.grpo.trainer.train.Critic;
import dev.grpo.trainer.train.TrainingState;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;

/**
 * A run's checkpoints: written to the run directory, recorded in the ledger, and the newest
 * recorded one found again to resume from. A checkpoint counts only once it is recorded; a
 * directory the ledger does not vouch for is what a crash between write and record left.
 */
final class RunCheckpoints {

  private final UUID runId;
  private final RunDirectory dir;
  private final CheckpointLedger ledger;
  private final Path tokenizerDir;
  private Critic critic;
  private final LoraBase loraBase;

  RunCheckpoints(UUID runId, RunDirectory dir, CheckpointLedger ledger) {
    this(runId, dir, ledger, null);
  }

  RunCheckpoints(UUID runId, RunDirectory dir, CheckpointLedger ledger, Path tokenizerDir) {
    this(runId, dir, ledger, tokenizerDir, null);
  }

  /**
   * @param tokenizerDir the model folder whose tokenizer files every checkpoint gets a copy of, so
   *     a checkpoint loads by path like the model it came from; null for the character presets
   * @param loraBase the frozen base LoRA checkpoints refer to; null when the run trains every
   *     weight
   */
  RunCheckpoints(
      UUID runId, RunDirectory dir, CheckpointLedger ledger, Path tokenizerDir, LoraBase loraBase) {
    this.tokenizerDir = tokenizerDir;
    this.loraBase = loraBase;
    this.runId = runId;
    this.dir = dir;
    this.ledger = ledger;
  }

  /** PPO's critic, which every checkpoint written from now on carries. */
  void useCritic(Critic critic) {
    this.critic = critic;
  }

  /**
   * Brings PPO's critic to the newest checkpoint: its saved weights and optimizer state, or, when
   * that checkpoint is step 0's (written before the critic existed), the fresh critic, which is
   * what step 0 had.
   */
  void restoreCritic(Critic critic) {
    Optional<Checkpointer.Checkpoint> newest = latest();
    if (newest.isEmpty() || newest.get().state().step() == 0) {
      return;
    }
    newest.get().restoreCritic(critic);
  }

  /** The newest recorded checkpoint, verified against the ledger. */
  Optional<Checkpointer.Checkpoint> latest() {
    return ledger.latest(runId);
  }

  /**
   * The reference policy to resume with: the one the newest checkpoint carries when the run moves
   * its reference, else the weights of step 0.
   */
  DecoderModel reference() {
    return latest()
        .flatMap(c -> c.loadReference(Device.cpu()))
        .orElseGet(() -> Checkpointer.open(dir.checkpoint(0)).loadModel(Device.cpu()));
  }

  /**
   * Writes and records the checkpoint of {@code state} unless the ledger has it already; {@code
   * reference} is the moving reference policy, or null when it stays the initial one.
   */
  void save(DecoderModel policy, AdamW optimizer, TrainingState state, DecoderModel reference) {
    Checkpointer.Checkpoint written = write(policy, optimizer, state, reference);
    if (written != null) {
      record(state.step() + 1, written);
    }
  }

  /**
   * Writes the checkpoint of {@code state} unless the ledger has it already (empty then); resuming
   * uses it only once it is {@link #record recorded}.
   */
  Optional<Checkpointer.Checkpoint> writeUnrecorded(
      DecoderModel policy, AdamW optimizer, TrainingState state, DecoderModel reference) {
    return Optional.ofNullable(write(policy, optimizer, state, reference));
  }

  void record(long policyVersion, Checkpointer.Checkpoint written) {
    ledger.record(runId, policyVersion, written);
  }

  private Checkpointer.Checkpoint write(
      DecoderModel policy, AdamW optimizer, TrainingState state, DecoderModel reference) {
    int step = (int) state.step();
    if (ledger.recorded(runId, step)) {
      return null;
    }
    Path target = dir.checkpoint(step);
    RunDirectory.deleteRecursively(target);
    return Checkpointer.save(
        target,
        policy,
        optimizer,
        state,
        tokenizerDir,
        reference,
        critic,
        loraBase == null ? null : loraBase.reference(policy));
  }
}
