package dev.grpo.trainer.train;

import ai.djl.ndarray.NDArray;
import dev.grpo.policy.model.DecoderModel;
import java.util.Map;

/**
 * Reference-policy updates during training, TRL's {@code SyncRefModelCallback} (TR-DPO): after
 * every {@code everyUpdates}-th optimizer update, π_ref ← α·π_θ + (1 − α)·π_ref, parameter by
 * parameter; α = 1 is a hard reset to the policy. The reference so moved is part of the training
 * state, so checkpoints carry it ({@link Checkpointer#REFERENCE_FILE}).
 *
 * @param everyUpdates the period in optimizer updates (TRL {@code ref_model_sync_steps}, counted on
 *     {@code global_step}); 0 for none
 * @param alpha the policy's weight in the mix (TRL {@code ref_model_mixup_alpha}), in (0, 1]
 */
public record ReferenceSync(int everyUpdates, double alpha) {

  /** The reference stays the initial policy. */
  public static final ReferenceSync NONE = new ReferenceSync(0, 1.0);

  public ReferenceSync {
    if (everyUpdates < 0 || !(alpha > 0 && alpha <= 1)) {
      throw new IllegalArgumentException(
          "need everyUpdates >= 0 and alpha in (0, 1], was " + everyUpdates + ", " + alpha);
    }
  }

  /** A copy of the policy every {@code everyUpdates} updates. */
  public static ReferenceSync reset(int everyUpdates) {
    return new ReferenceSync(requirePositive(everyUpdates), 1.0);
  }

  /** π_ref ← α·π_θ + (1 − α)·π_ref every {@code everyUpdates} updates. */
  public static ReferenceSync ema(int everyUpdates, double alpha) {
    return new ReferenceSync(requirePositive(everyUpdates), alpha);
  }

  public boolean enabled() {
    return everyUpdates > 0;
  }

  /** Whether the update numbered {@code update} (1-based, the optimizer's step count) syncs. */
  public boolean dueAfter(long update) {
    return enabled() && update > 0 && update % everyUpdates == 0;
  }

  /** Moves {@code reference} toward {@code policy} in place. */
  void apply(DecoderModel policy, DecoderModel reference) {
    Map<String, NDArray> source = policy.parameters();
    for (Map.Entry<String, NDArray> e : reference.parameters().entrySet()) {
      NDArray target = e.getValue();
      NDArray theta = source.get(e.getKey());
      if (theta == null) {
        throw new IllegalStateException("the policy has no parameter " + e.getKey());
      }
      if (alpha == 1.0) {
        // by value into the reference's own storage (DJL's copyTo instead re-points the target
        // at a byte buffer)
        target.muli(0.0).addi(theta);
      } else {
        try (NDArray mixed = theta.mul(alpha)) {
          target.muli(1.0 - alpha).addi(mixed);
        }
      }
    }
  }

  private static int requirePositive(int everyUpdates) {
    if (everyUpdates < 1) {
      throw new IllegalArgumentException("everyUpdates must be >= 1, was " + everyUpdates);
    }
    return everyUpdates;
  }
}
