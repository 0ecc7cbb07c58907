package dev.grpo.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.trainer.grpo.GrpoConfig;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.optim.LearningRateSchedule;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reference policy's updates (TRL's {@code sync_ref_model}): when they happen, what they
 * compute, and that a run resumed from a checkpoint continues with the moved reference bit for bit.
 */
class ReferenceSyncTest {

  private static final int PROMPTS = 3;
  private static final int GROUP = 4;

  @TempDir Path dir;

  private static AdamW optimizer() {
    return new AdamW(
        new AdamW.Config(3e-3, 0.9, 0.99, 1e-8, 0.01, 1.0),
        LearningRateSchedule.linearWithWarmup(1, 10));
  }

  private static GrpoTrainer trainer(
      DecoderModel policy, DecoderModel reference, AdamW opt, int mu, ReferenceSync sync) {
    GrpoConfig objective = GrpoConfig.builder().beta(0.04).epsilonHigh(0.28).build();
    return new GrpoTrainer(
        policy, reference, opt, new GrpoTrainer.Options(objective, mu, 1f, sync));
  }

  /** Rewards that vary even for an untrained model: the task's plus the share of digits. */
  private static StepMetrics step(GrpoTrainer trainer, DecoderModel policy, TrainingState state) {
    RolloutBatch sampled =
        ArithmeticTask.rollout(
            policy,
            ArithmeticTask.problems(state.dataCursor(), PROMPTS),
            GROUP,
            10,
            1f,
            state.seedForStep());
    double[] rewards = sampled.rewards().clone();
    for (int j = 0; j < rewards.length; j++) {
      String text = ArithmeticTask.TOKENIZER.decode(sampled.completions().get(j));
      rewards[j] += text.chars().filter(Character::isDigit).count() / 10.0;
    }
    return trainer.step(
        new RolloutBatch(
            sampled.prompts(), GROUP, sampled.completions(), null, rewards, sampled.truncated()));
  }

  private static TrainingState run(
      GrpoTrainer trainer, DecoderModel policy, TrainingState state, int steps) {
    for (int i = 0; i < steps; i++) {
      step(trainer, policy, state);
      state = state.advance(PROMPTS);
    }
    return state;
  }

  private static Map<String, float[]> weights(DecoderModel model) {
    Map<String, float[]> out = new TreeMap<>();
    for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
      out.put(e.getKey(), e.getValue().toFloatArray());
    }
    return out;
  }

  private static void assertSameWeights(
      Map<String, float[]> actual, Map<String, float[]> expected) {
    assertThat(actual.keySet()).isEqualTo(expected.keySet());
    for (String name : expected.keySet()) {
      assertThat(Arrays.equals(actual.get(name), expected.get(name))).as(name).isTrue();
    }
  }

  private Path base() {
    Path base = dir.resolve("base");
    try (DecoderModel init = DecoderModel.randomInit(ModelConfig.tiny(), 42, Device.cpu())) {
      init.save(base);
    }
    return base;
  }

  @Test
  void aResetEveryUpdateMakesTheNextStepsKlExactlyZero() {
    Path base = base();
    for (boolean sync : new boolean[] {true, false}) {
      try (DecoderModel policy = DecoderModel.load(base, Device.cpu());
          DecoderModel reference = DecoderModel.load(base, Device.cpu());
          AdamW opt = optimizer()) {
        GrpoTrainer trainer =
            trainer(policy, reference, opt, 1, sync ? ReferenceSync.reset(1) : ReferenceSync.NONE);
        // the warm-up gives the first update lr 0: the second one moves the policy
        TrainingState state = run(trainer, policy, TrainingState.start(5), 2);
        StepMetrics third = step(trainer, policy, state);
        if (sync) {
          assertThat(third.kl()).as("the reference is the policy the update left").isZero();
          assertSameWeights(weights(reference), weights(policy));
        } else {
          assertThat(third.kl()).isPositive();
        }
      }
    }
  }

  @Test
  void anEmaSyncMixesOnlyOnItsUpdates() {
    Path base = base();
    try (DecoderModel policy = DecoderModel.load(base, Device.cpu());
        DecoderModel reference = DecoderModel.load(base, Device.cpu());
        AdamW opt = optimizer()) {
      // μ = 2, every 3 updates: step 1 (updates 1, 2) leaves the reference, step 2 (3, 4) mixes
      // once after update 3, which we cannot observe alone; so check step 1 and the mix law on a
      // separate pair below
      GrpoTrainer trainer = trainer(policy, reference, opt, 2, ReferenceSync.ema(3, 0.25));
      Map<String, float[]> initial = weights(reference);
      step(trainer, policy, TrainingState.start(5));
      assertThat(opt.stepCount()).isEqualTo(2);
      assertSameWeights(weights(reference), initial);
    }
    try (DecoderModel policy = DecoderModel.randomInit(ModelConfig.tiny(), 1, Device.cpu());
        DecoderModel reference = DecoderModel.randomInit(ModelConfig.tiny(), 2, Device.cpu())) {
      Map<String, float[]> theta = weights(policy);
      Map<String, float[]> before = weights(reference);
      ReferenceSync.ema(1, 0.25).apply(policy, reference);
      Map<String, float[]> after = weights(reference);
      for (String name : theta.keySet()) {
        float[] t = theta.get(name);
        float[] b = before.get(name);
        float[] got = after.get(name);
        for (int i = 0; i < t.length; i++) {
          double expected = 0.25 * t[i] + 0.75 * b[i];
          assertThat((double) got[i])
              .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-6));
        }
        if (!Arrays.equals(t, b)) {
          assertThat(got).isNotEqualTo(b);
        }
      }
    }
  }

  @Test
  void aResetCopiesValuesNotMemory() {
    try (DecoderModel policy = DecoderModel.randomInit(ModelConfig.tiny(), 1, Device.cpu());
        DecoderModel reference = DecoderModel.randomInit(ModelConfig.tiny(), 2, Device.cpu())) {
      ReferenceSync.reset(1).apply(policy, reference);
      assertSameWeights(weights(reference), weights(policy));
      Map<String, float[]> copied = weights(reference);
      policy.parameters().values().forEach(p -> p.addi(1f));
      assertSameWeights(weights(reference), copied);
    }
  }

  @Test
  void aResumedRunContinuesWithTheMovedReferenceBitForBit() {
    Path base = base();
    ReferenceSync sync = ReferenceSync.ema(3, 0.6);
    Map<String, float[]> straightPolicy;
    Map<String, float[]> straightReference;
    try (DecoderModel policy = DecoderModel.load(base, Device.cpu());
        DecoderModel reference = DecoderModel.load(base, Device.cpu());
        AdamW opt = optimizer()) {
      // μ = 2: syncs after updates 3 and 6, i.e. in steps 2 and 3 of 4
      run(trainer(policy, reference, opt, 2, sync), policy, TrainingState.start(5), 4);
      straightPolicy = weights(policy);
      straightReference = weights(reference);
    }

    try (DecoderModel policy = DecoderModel.load(base, Device.cpu());
        DecoderModel reference = DecoderModel.load(base, Device.cpu());
        AdamW opt = optimizer()) {
      GrpoTrainer trainer = trainer(policy, reference, opt, 2, sync);
      TrainingState state = run(trainer, policy, TrainingState.start(5), 2);
      assertThat(trainer.syncedReference()).isSameAs(reference);
      Checkpointer.save(dir.resolve("ckpt-2"), policy, opt, state, null, trainer.syncedReference());
    }

    Checkpointer.Checkpoint opened = Checkpointer.open(dir.resolve("ckpt-2"));
    Map<String, float[]> resumedPolicy;
    Map<String, float[]> resumedReference;
    try (DecoderModel policy = opened.loadModel(Device.cpu());
        DecoderModel reference = opened.loadReference(Device.cpu()).orElseThrow();
        AdamW opt = optimizer()) {
      opened.restoreOptimizer(opt);
      run(trainer(policy, reference, opt, 2, sync), policy, opened.state(), 2);
      resumedPolicy = weights(policy);
      resumedReference = weights(reference);
    }
    for (String name : straightPolicy.keySet()) {
      assertThat(resumedPolicy.get(name)).as(name).containsExactly(straightPolicy.get(name));
      assertThat(resumedReference.get(name)).as(name).containsExactly(straightReference.get(name));
    }

    // what a resume from the initial reference would have given: another run
    try (DecoderModel policy = opened.loadModel(Device.cpu());
        DecoderModel reference = DecoderModel.load(base, Device.cpu());
        AdamW opt = optimizer()) {
      opened.restoreOptimizer(opt);
      run(trainer(policy, reference, opt, 2, sync), policy, opened.state(), 2);
      Map<String, float[]> wrong = weights(policy);
      assertThat(
              straightPolicy.keySet().stream()
                  .anyMatch(n -> !Arrays.equals(wrong.get(n), straightPolicy.get(n))))
          .isTrue();
    }
  }

  @Test
  void aCheckpointWithoutAMovingReferenceHasNone() {
    try (DecoderModel policy = DecoderModel.randomInit(ModelConfig.tiny(), 1, Device.cpu());
        AdamW opt = optimizer()) {
      Checkpointer.save(dir.resolve("plain"), policy, opt, TrainingState.start(1));
      assertThat(Checkpointer.open(dir.resolve("plain")).loadReference(Device.cpu())).isEmpty();
    }
  }

  @Test
  void aSyncNeedsAReferenceAndAPositivePeriod() {
    try (DecoderModel policy = DecoderModel.randomInit(ModelConfig.tiny(), 1, Device.cpu());
        AdamW opt = optimizer()) {
      GrpoConfig noKl = GrpoConfig.builder().build();
      assertThatThrownBy(
              () ->
                  new GrpoTrainer(
                      policy,
                      null,
                      opt,
                      new GrpoTrainer.Options(noKl, 1, 1f, ReferenceSync.reset(2))))
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> ReferenceSync.ema(0, 0.5))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ReferenceSync.ema(4, 0.0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ReferenceSync.ema(4, 1.5))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(ReferenceSync.ema(4, 0.5).dueAfter(8)).isTrue();
    assertThat(ReferenceSync.ema(4, 0.5).dueAfter(6)).isFalse();
    assertThat(ReferenceSync.NONE.dueAfter(4)).isFalse();
  }
}
