package dev.grpo.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.trainer.grpo.GrpoConfig;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.optim.LearningRateSchedule;
import dev.grpo.trainer.ppo.PpoConfig;
import dev.grpo.trainer.ppo.ValueModel;
import dev.grpo.trainer.ppo.ValueModelKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PPO's critic is training state like the policy: 4 PPO steps straight equal 2 steps + checkpoint +
 * fresh policy, critic and optimizers loaded from it + 2 steps, bit for bit, and right after the
 * load the critic's weights and its AdamW moments are byte-identical to the ones saved. μ = 2, so
 * the critic takes two updates per step around the same V_old.
 */
class PpoResumeTest {

  private static final int PROMPTS = 3;
  private static final int GROUP = 4;
  private static final PpoConfig PPO =
      new PpoConfig(ValueModelKind.SEPARATE, 1.0, 0.95, true, 0.2, 0.5);

  @TempDir Path dir;

  private static AdamW optimizer(double lr) {
    return new AdamW(
        new AdamW.Config(lr, 0.9, 0.99, 1e-8, 0.01, 1.0),
        LearningRateSchedule.linearWithWarmup(1, 10));
  }

  private static Critic critic(Path base) {
    return new Critic(
        ValueModel.separate(DecoderModel.load(base, Device.cpu()), 7), optimizer(1e-3), PPO);
  }

  private static GrpoTrainer trainer(DecoderModel policy, AdamW opt, Critic critic) {
    GrpoConfig objective = GrpoConfig.builder().epsilonHigh(0.28).build();
    return new GrpoTrainer(policy, null, opt, new GrpoTrainer.Options(objective, 2, 1f), critic);
  }

  /** The rewards of {@link ResumeTest}: the task's plus the share of digits. */
  private static TrainingState run(
      GrpoTrainer trainer, DecoderModel policy, TrainingState state, int steps) {
    for (int i = 0; i < steps; i++) {
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
      RolloutBatch batch =
          new RolloutBatch(
              sampled.prompts(), GROUP, sampled.completions(), null, rewards, sampled.truncated());
      StepMetrics m = trainer.step(batch);
      assertThat(m.ppo()).isNotNull();
      assertThat(m.ppo().valueLoss()).isFinite().isPositive();
      state = state.advance(PROMPTS);
    }
    return state;
  }

  private static Map<String, float[]> weights(Map<String, NDArray> parameters) {
    Map<String, float[]> out = new TreeMap<>();
    parameters.forEach((name, array) -> out.put(name, array.toFloatArray()));
    return out;
  }

  private static Map<String, byte[]> moments(AdamW optimizer) {
    Map<String, byte[]> out = new TreeMap<>();
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      optimizer.exportState(manager).forEach((name, array) -> out.put(name, array.toByteArray()));
    }
    return out;
  }

  private static void assertSame(Map<String, float[]> actual, Map<String, float[]> expected) {
    assertThat(actual.keySet()).isEqualTo(expected.keySet());
    expected.forEach((name, w) -> assertThat(actual.get(name)).as(name).containsExactly(w));
  }

  @Test
  void twoStepsCheckpointTwoStepsEqualsFourStraightCriticIncluded() {
    Path base = dir.resolve("base");
    try (DecoderModel init = DecoderModel.randomInit(ModelConfig.tiny(), 42, Device.cpu())) {
      init.save(base);
    }
    Map<String, float[]> straightPolicy;
    Map<String, float[]> straightCritic;
    Map<String, float[]> initialCritic;
    try (DecoderModel policy = DecoderModel.load(base, Device.cpu());
        AdamW opt = optimizer(3e-3);
        Critic critic = critic(base)) {
      initialCritic = weights(critic.model().parameters());
      run(trainer(policy, opt, critic), policy, TrainingState.start(5), 4);
      straightPolicy = weights(policy.parameters());
      straightCritic = weights(critic.model().parameters());
    }

    Map<String, float[]> savedCritic;
    Map<String, byte[]> savedMoments;
    try (DecoderModel policy = DecoderModel.load(base, Device.cpu());
        AdamW opt = optimizer(3e-3);
        Critic critic = critic(base)) {
      TrainingState state = run(trainer(policy, opt, critic), policy, TrainingState.start(5), 2);
      Checkpointer.save(dir.resolve("ckpt-2"), policy, opt, state, null, null, critic, null);
      savedCritic = weights(critic.model().parameters());
      savedMoments = moments(critic.optimizer());
    }
    assertThat(dir.resolve("ckpt-2").resolve(Checkpointer.VALUE_MODEL_FILE)).exists();
    assertThat(savedMoments.keySet()).contains("step", ValueModel.HEAD_WEIGHT + ".exp_avg");

    Checkpointer.Checkpoint opened = Checkpointer.open(dir.resolve("ckpt-2"));
    Map<String, float[]> resumedPolicy;
    Map<String, float[]> resumedCritic;
    try (DecoderModel policy = opened.loadModel(Device.cpu());
        AdamW opt = optimizer(3e-3);
        Critic critic = critic(base)) {
      opened.restoreOptimizer(opt);
      opened.restoreCritic(critic);
      assertSame(weights(critic.model().parameters()), savedCritic);
      Map<String, byte[]> restored = moments(critic.optimizer());
      assertThat(restored.keySet()).isEqualTo(savedMoments.keySet());
      savedMoments.forEach(
          (name, bytes) -> assertThat(restored.get(name)).as(name).isEqualTo(bytes));
      assertThat(critic.optimizer().stepCount()).isEqualTo(4); // 2 steps x μ = 2 updates
      run(trainer(policy, opt, critic), policy, opened.state(), 2);
      resumedPolicy = weights(policy.parameters());
      resumedCritic = weights(critic.model().parameters());
    }

    assertSame(resumedPolicy, straightPolicy);
    assertSame(resumedCritic, straightCritic);
    int changed = 0;
    for (String name : straightCritic.keySet()) {
      changed += Arrays.equals(straightCritic.get(name), initialCritic.get(name)) ? 0 : 1;
    }
    assertThat(changed).as("critic parameters the 4 steps changed").isGreaterThan(10);
  }

  @Test
  void aCheckpointWithoutCriticRefusesToRestoreOne() throws Exception {
    Path base = dir.resolve("base");
    try (DecoderModel init = DecoderModel.randomInit(ModelConfig.tiny(), 1, Device.cpu())) {
      init.save(base);
    }
    try (DecoderModel policy = DecoderModel.load(base, Device.cpu());
        AdamW opt = optimizer(1e-3);
        Critic critic = critic(base)) {
      Checkpointer.save(dir.resolve("plain"), policy, opt, TrainingState.start(1));
      assertThat(Files.exists(dir.resolve("plain").resolve(Checkpointer.VALUE_MODEL_FILE)))
          .isFalse();
      Checkpointer.Checkpoint opened = Checkpointer.open(dir.resolve("plain"));
      assertThatThrownBy(() -> opened.restoreCritic(critic))
          .isInstanceOf(CheckpointException.class)
          .hasMessageContaining("no value model");
    }
  }
}
