package dev.grpo.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.trainer.grpo.GrpoConfig;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.optim.LearningRateSchedule;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 4 GRPO steps straight equal 2 steps + checkpoint + fresh objects loaded from it + 2 steps, bit
 * for bit. Every input of a step is a function of the checkpointed state: prompts from the data
 * cursor, completions sampled by the current policy with a seed derived from (seed, step), rewards
 * in-process. β &gt; 0 and μ = 2 so the reference and old-log-prob paths are exercised too.
 */
class ResumeTest {

  private static final int PROMPTS = 3;
  private static final int GROUP = 4;

  @TempDir Path dir;

  private static AdamW optimizer() {
    return new AdamW(
        new AdamW.Config(3e-3, 0.9, 0.99, 1e-8, 0.01, 1.0),
        LearningRateSchedule.linearWithWarmup(1, 10));
  }

  private static GrpoTrainer trainer(DecoderModel policy, DecoderModel reference, AdamW opt) {
    GrpoConfig objective = GrpoConfig.builder().beta(0.04).epsilonHigh(0.28).build();
    return new GrpoTrainer(policy, reference, opt, new GrpoTrainer.Options(objective, 2, 1f));
  }

  /** A reward that varies even for an untrained model: the share of digits, plus the task's. */
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
      assertThat(m.gradNorm()).isFinite();
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

  @Test
  void twoStepsCheckpointTwoStepsEqualsFourStraight() {
    Path base = dir.resolve("base");
    try (DecoderModel init = DecoderModel.randomInit(ModelConfig.tiny(), 42, Device.cpu())) {
      init.save(base);
    }
    Map<String, float[]> straight;
    Map<String, float[]> initial;
    try (DecoderModel policy = DecoderModel.load(base, Device.cpu());
        DecoderModel reference = DecoderModel.load(base, Device.cpu());
        AdamW opt = optimizer()) {
      initial = weights(policy);
      TrainingState state = run(trainer(policy, reference, opt), policy, TrainingState.start(5), 4);
      assertThat(state.step()).isEqualTo(4);
      straight = weights(policy);
    }

    Checkpointer.Checkpoint saved;
    try (DecoderModel policy = DecoderModel.load(base, Device.cpu());
        DecoderModel reference = DecoderModel.load(base, Device.cpu());
        AdamW opt = optimizer()) {
      TrainingState state = run(trainer(policy, reference, opt), policy, TrainingState.start(5), 2);
      saved = Checkpointer.save(dir.resolve("ckpt-2"), policy, opt, state);
    }

    Map<String, float[]> resumed;
    Checkpointer.Checkpoint opened = Checkpointer.open(dir.resolve("ckpt-2"));
    assertThat(opened.sha256()).isEqualTo(saved.sha256());
    assertThat(opened.state()).isEqualTo(new TrainingState(2, 5, 2L * PROMPTS));
    try (DecoderModel policy = opened.loadModel(Device.cpu());
        DecoderModel reference = DecoderModel.load(base, Device.cpu());
        AdamW opt = optimizer()) {
      opened.restoreOptimizer(opt);
      assertThat(opt.stepCount()).isEqualTo(4); // 2 steps x μ = 2 updates
      TrainingState state = run(trainer(policy, reference, opt), policy, opened.state(), 2);
      assertThat(state.step()).isEqualTo(4);
      resumed = weights(policy);
    }

    int changed = 0;
    for (String name : straight.keySet()) {
      assertThat(resumed.get(name)).as(name).containsExactly(straight.get(name));
      changed += java.util.Arrays.equals(straight.get(name), initial.get(name)) ? 0 : 1;
    }
    assertThat(changed).as("parameters the 4 steps changed").isEqualTo(straight.size());
  }
}
