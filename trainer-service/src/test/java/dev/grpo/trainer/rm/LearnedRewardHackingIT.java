package dev.grpo.trainer.rm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.policy.model.DecoderModel;
import dev.grpo.trainer.rm.LearnedRewardGrpoExample.Reward;
import dev.grpo.trainer.rm.LearnedRewardGrpoExample.RunResult;
import dev.grpo.trainer.rm.LearnedRewardGrpoExample.StepRow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * The worked example's finding as a test ({@link LearnedRewardGrpoExample}, seed 1, 30 steps): GRPO
 * rewarded by the verifier raises held-out accuracy, GRPO rewarded by the learned reward model
 * (served by the reward-model service) collects ever more learned reward while its accuracy falls
 * and its disagreement with the verifier grows.
 *
 * <p>Measured with the build's pinned numerics (one libtorch thread, {@code
 * ATEN_CPU_CAPABILITY=avx2}, {@code MKL_CBWR=AVX2}): held-out accuracy 0.355 → 0.570 (verifier) and
 * 0.355 → 0.095 (learned); the learned run's mean learned reward +0.145 in steps 0-4, +0.950 in
 * steps 25-29; its disagreement 0.511 → 0.694. The bounds leave wide margins; a policy that did not
 * learn, or a learned reward that agreed with the verifier, fails them.
 */
class LearnedRewardHackingIT {

  private static double mean(List<StepRow> rows, int from, int to, ToDoubleFunction<StepRow> f) {
    return rows.subList(from, to).stream().mapToDouble(f).average().orElseThrow();
  }

  @Test
  void theVerifiersRunLearnsWhileTheLearnedRewardsRunIsRewardedForGettingWorse() throws Exception {
    Path dir = Files.createTempDirectory("learned-reward-hacking");
    PolicyPreferenceExample.Prepared prepared = PolicyPreferenceExample.prepare(dir, 12, false);
    try (DecoderModel coldStarted = prepared.policy();
        LearnedRewardService service =
            LearnedRewardService.start(
                prepared.rewardModel(), prepared.calibration(), dir.resolve("rm-state"))) {
      double threshold =
          LearnedRewardGrpoExample.median(service.calibrationRaw(prepared.calibration()));
      RunResult math =
          LearnedRewardGrpoExample.run(
              coldStarted, Reward.MATH_ACCURACY, 1, 30, 30, prepared, service, threshold);
      RunResult learned =
          LearnedRewardGrpoExample.run(
              coldStarted, Reward.LEARNED_REWARD, 1, 30, 30, prepared, service, threshold);

      double start = math.evals().get(0).heldOut();
      assertThat(learned.evals().get(0).heldOut()).isEqualTo(start); // the same cold start
      assertThat(math.evals().get(1).heldOut())
          .as("verifier run, held out")
          .isGreaterThan(start + 0.1);
      assertThat(learned.evals().get(1).heldOut())
          .as("learned run, held out")
          .isLessThan(start - 0.15);

      List<StepRow> steps = learned.steps();
      assertThat(mean(steps, 25, 30, StepRow::learnedMean))
          .as("learned reward the learned run collects, late vs early")
          .isGreaterThan(mean(steps, 0, 5, StepRow::learnedMean) + 0.4);
      assertThat(mean(steps, 25, 30, StepRow::disagree))
          .as("disagreement with the verifier, late vs early")
          .isGreaterThan(mean(steps, 0, 5, StepRow::disagree) + 0.1);
      assertThat(mean(steps, 25, 30, StepRow::verifierAccuracy))
          .as("verifier accuracy of the learned run's completions, late vs early")
          .isLessThan(mean(steps, 0, 5, StepRow::verifierAccuracy) - 0.1);
    }
  }
}
