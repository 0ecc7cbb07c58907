package dev.grpo.trainer.step;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.grpo.api.run.RunSpec;
import dev.grpo.trainer.grpo.AdvantageEstimator;
import dev.grpo.trainer.grpo.GrpoConfig;
import dev.grpo.trainer.grpo.KlEstimator;
import dev.grpo.trainer.grpo.LossAggregation;
import dev.grpo.trainer.grpo.PolicyLoss;
import dev.grpo.trainer.grpo.RewardScaling;
import dev.grpo.trainer.optim.LearningRateSchedule;
import dev.grpo.trainer.train.GrpoTrainer;
import dev.grpo.trainer.train.ReferenceSync;
import org.junit.jupiter.api.Test;

class RunConfigsTest {

  @Test
  void mapsEveryWireEnumOntoTheTrainersOwn() {
    assertThat(RunConfigs.lossAggregation(dev.grpo.api.run.LossAggregation.DR_GRPO))
        .isEqualTo(LossAggregation.DR_GRPO);
    assertThat(RunConfigs.lossAggregation(dev.grpo.api.run.LossAggregation.BNPO))
        .isEqualTo(LossAggregation.BNPO);
    assertThat(RunConfigs.lossAggregation(dev.grpo.api.run.LossAggregation.GRPO))
        .isEqualTo(LossAggregation.GRPO);
    assertThat(RunConfigs.lossAggregation(dev.grpo.api.run.LossAggregation.DAPO))
        .isEqualTo(LossAggregation.DAPO);
    assertThat(RunConfigs.rewardScaling(dev.grpo.api.run.RewardScaling.NONE))
        .isEqualTo(RewardScaling.NONE);
    assertThat(RunConfigs.rewardScaling(dev.grpo.api.run.RewardScaling.BATCH))
        .isEqualTo(RewardScaling.BATCH);
    assertThat(RunConfigs.rewardScaling(dev.grpo.api.run.RewardScaling.GROUP))
        .isEqualTo(RewardScaling.GROUP);
    assertThat(RunConfigs.klEstimator(dev.grpo.api.run.KlEstimator.K1)).isEqualTo(KlEstimator.K1);
    assertThat(RunConfigs.klEstimator(dev.grpo.api.run.KlEstimator.K2)).isEqualTo(KlEstimator.K2);
    assertThat(RunConfigs.klEstimator(dev.grpo.api.run.KlEstimator.K3)).isEqualTo(KlEstimator.K3);
  }

  @Test
  void theObjectiveCarriesTheSpecsAlgorithm() {
    RunSpec spec =
        StepFixtures.spec(
            """
            {"algorithm": {"lossAggregation": "dr_grpo", "rewardScaling": "none", "beta": 0.0,
                           "epsilonLow": 0.2, "epsilonHigh": 0.28, "klEstimator": "k1"},
             "rollout": {"maxTokens": 96}}
            """);

    GrpoConfig c = RunConfigs.grpoConfig(spec);

    assertThat(c.lossAggregation()).isEqualTo(LossAggregation.DR_GRPO);
    assertThat(c.rewardScaling()).isEqualTo(RewardScaling.NONE);
    assertThat(c.klEstimator()).isEqualTo(KlEstimator.K1);
    assertThat(c.epsilonHigh()).isEqualTo(0.28);
    assertThat(c.beta()).isEqualTo(0.0);
    assertThat(c.maxCompletionLength()).isEqualTo(96);
  }

  @Test
  void thePolicyLossEstimatorAndReferenceSyncReachTheTrainer() {
    GrpoTrainer.Options gspo =
        RunConfigs.trainerOptions(
            StepFixtures.spec(
                """
                {"algorithm": {"policyLoss": "gspo", "advantageEstimator": "rloo",
                               "referenceSync": {"mode": "ema", "everyUpdates": 3, "alpha": 0.25}}}
                """));
    assertThat(gspo.objective().policyLoss()).isEqualTo(PolicyLoss.GSPO);
    assertThat(gspo.objective().lossAggregation()).isEqualTo(LossAggregation.GRPO);
    assertThat(gspo.objective().epsilonLow()).isEqualTo(3e-4);
    assertThat(gspo.objective().epsilonHigh()).isEqualTo(4e-4);
    assertThat(gspo.objective().advantageEstimator()).isEqualTo(AdvantageEstimator.RLOO);
    assertThat(gspo.referenceSync()).isEqualTo(ReferenceSync.ema(3, 0.25));

    GrpoTrainer.Options cispo =
        RunConfigs.trainerOptions(
            StepFixtures.spec(
                """
                {"algorithm": {"policyLoss": "cispo",
                               "advantageEstimator": "reinforce_plus_plus_baseline",
                               "referenceSync": {"mode": "reset", "everyUpdates": 7}}}
                """));
    assertThat(cispo.objective().policyLoss()).isEqualTo(PolicyLoss.CISPO);
    assertThat(cispo.objective().lossAggregation()).isEqualTo(LossAggregation.DAPO);
    assertThat(cispo.objective().advantageEstimator())
        .isEqualTo(AdvantageEstimator.REINFORCE_PLUS_PLUS_BASELINE);
    assertThat(cispo.referenceSync()).isEqualTo(ReferenceSync.reset(7));

    GrpoConfig drGrpo =
        RunConfigs.grpoConfig(
            StepFixtures.spec("{\"algorithm\": {\"advantageEstimator\": \"dr_grpo\"}}"));
    assertThat(drGrpo.advantageEstimator()).isEqualTo(AdvantageEstimator.GRPO);
    assertThat(drGrpo.rewardScaling()).isEqualTo(RewardScaling.NONE);
    assertThat(RunConfigs.trainerOptions(StepFixtures.spec("{}")).referenceSync())
        .isEqualTo(ReferenceSync.NONE);
  }

  @Test
  void theCosineScheduleSpansEveryUpdateOfTheRun() {
    // 10 steps × μ = 2: 20 updates, 4 of warm-up
    RunSpec spec =
        StepFixtures.spec(
            """
            {"optimizer": {"schedule": "cosine", "warmupSteps": 4},
             "algorithm": {"muIterations": 2}, "schedule": {"steps": 10}}
            """);

    LearningRateSchedule s = RunConfigs.schedule(spec);

    assertThat(s.multiplier(2)).isCloseTo(0.5, within(1e-12));
    assertThat(s.multiplier(4)).isCloseTo(1.0, within(1e-12));
    // half way through the decay (step 12 of 4..20): cos(π/2) → 0.5
    assertThat(s.multiplier(12)).isCloseTo(0.5, within(1e-12));
    assertThat(s.multiplier(20)).isCloseTo(0.0, within(1e-12));
  }

  @Test
  void aConstantScheduleWarmsUpOnlyWhenAsked() {
    LearningRateSchedule none = RunConfigs.schedule(StepFixtures.spec("{}"));
    LearningRateSchedule warm =
        RunConfigs.schedule(StepFixtures.spec("{\"optimizer\": {\"warmupSteps\": 10}}"));

    assertThat(none.multiplier(0)).isEqualTo(1.0);
    assertThat(warm.multiplier(5)).isEqualTo(0.5);
    assertThat(warm.multiplier(50)).isEqualTo(1.0);
  }
}
