package dev.grpo.trainer.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.grpo.api.problem.FieldProblem;
import dev.grpo.api.run.AdvantageEstimator;
import dev.grpo.api.run.LossAggregation;
import dev.grpo.api.run.PolicyLoss;
import dev.grpo.api.run.ReferenceSyncMode;
import dev.grpo.api.run.RewardScaling;
import dev.grpo.api.run.RolloutCorrectionMode;
import dev.grpo.api.run.RunSpec;
import dev.grpo.web.InvalidRequestException;
import dev.grpo.web.RecordBinder;
import jakarta.validation.Validation;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * The spec's policy loss, advantage estimator and reference sync: their defaults, how old specs
 * keep their meaning, and the combinations refused at the door with the field to fix.
 */
class AlgorithmSpecTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final RecordBinder BINDER =
      new RecordBinder(JSON, Validation.buildDefaultValidatorFactory().getValidator());

  private static RunSpec bind(String algorithm) {
    return BINDER.bind(JSON.readTree("{\"algorithm\": " + algorithm + "}"), RunSpec.class);
  }

  /** Problems by field, from field validation or, when that passes, the cross-field rules. */
  private static Map<String, String> problems(String algorithm) {
    List<FieldProblem> problems;
    InvalidRequestException e =
        catchThrowableOfType(InvalidRequestException.class, () -> bind(algorithm));
    problems = e != null ? e.problems() : bind(algorithm).crossFieldProblems();
    return problems.stream()
        .collect(
            Collectors.toMap(FieldProblem::field, FieldProblem::message, (a, b) -> a + "; " + b));
  }

  @Test
  void anEmptyAlgorithmIsTodaysGrpo() {
    RunSpec.Algorithm a = bind("{}").algorithm();
    assertThat(a.policyLoss()).isEqualTo(PolicyLoss.CLIP);
    assertThat(a.advantageEstimator()).isEqualTo(AdvantageEstimator.GRPO);
    assertThat(a.rewardScaling()).isEqualTo(RewardScaling.GROUP);
    assertThat(a.lossAggregation()).isEqualTo(LossAggregation.DAPO);
    assertThat(a.epsilonLow()).isEqualTo(0.2);
    assertThat(a.epsilonHigh()).isEqualTo(0.2);
    assertThat(a.referenceSync().mode()).isEqualTo(ReferenceSyncMode.NONE);
    assertThat(a.referenceSync().everyUpdates()).isNull();
    assertThat(a.referenceSync().alpha()).isNull();
  }

  @Test
  void anOldDrGrpoSpecResolvesToTheDrGrpoEstimator() {
    RunSpec spec = bind("{\"lossAggregation\": \"dr_grpo\", \"rewardScaling\": \"none\"}");
    assertThat(spec.algorithm().advantageEstimator()).isEqualTo(AdvantageEstimator.DR_GRPO);
    assertThat(spec.algorithm().rewardScaling()).isEqualTo(RewardScaling.NONE);
    assertThat(spec.crossFieldProblems()).isEmpty();

    RunSpec named = bind("{\"advantageEstimator\": \"dr_grpo\"}");
    assertThat(named.algorithm().rewardScaling()).isEqualTo(RewardScaling.NONE);
    assertThat(bind("{\"rewardScaling\": \"batch\"}").algorithm().advantageEstimator())
        .isEqualTo(AdvantageEstimator.GRPO);
  }

  @Test
  void gspoTakesItsPapersClipRangeAndTheSequenceMeanAggregation() {
    RunSpec.Algorithm a = bind("{\"policyLoss\": \"gspo\"}").algorithm();
    assertThat(a.epsilonLow()).isEqualTo(3e-4);
    assertThat(a.epsilonHigh()).isEqualTo(4e-4);
    assertThat(a.lossAggregation()).isEqualTo(LossAggregation.GRPO);

    RunSpec.Algorithm own = bind("{\"policyLoss\": \"gspo\", \"epsilonLow\": 0.001}").algorithm();
    assertThat(own.epsilonHigh()).as("ε_high defaults to a given ε_low").isEqualTo(0.001);
  }

  @Test
  void theEstimatorsThatScaleThemselvesHaveNoRewardScaling() {
    RunSpec spec = bind("{\"advantageEstimator\": \"rloo\"}");
    assertThat(spec.algorithm().rewardScaling()).isNull();
    assertThat(spec.crossFieldProblems()).isEmpty();
    assertThat(
            bind("{\"advantageEstimator\": \"reinforce_plus_plus_baseline\"}").crossFieldProblems())
        .isEmpty();
  }

  @Test
  void referenceSyncTakesTrlsDefaults() {
    RunSpec.ReferenceSync ema =
        bind("{\"referenceSync\": {\"mode\": \"ema\"}}").algorithm().referenceSync();
    assertThat(ema.everyUpdates()).isEqualTo(512);
    assertThat(ema.alpha()).isEqualTo(0.6);
    RunSpec.ReferenceSync reset =
        bind("{\"referenceSync\": {\"mode\": \"reset\", \"everyUpdates\": 4}}")
            .algorithm()
            .referenceSync();
    assertThat(reset.everyUpdates()).isEqualTo(4);
    assertThat(reset.alpha()).isEqualTo(1.0);
  }

  @Test
  void undefinedCombinationsNameTheFieldToFix() {
    assertThat(problems("{\"policyLoss\": \"gspo\", \"lossAggregation\": \"dapo\"}"))
        .containsOnlyKeys("algorithm.lossAggregation")
        .extractingByKey("algorithm.lossAggregation")
        .asString()
        .contains("gspo");
    assertThat(problems("{\"policyLoss\": \"cispo\", \"dualClip\": 3.0}"))
        .containsOnlyKeys("algorithm.dualClip");
    assertThat(problems("{\"policyLoss\": \"gspo\", \"dualClip\": 3.0}"))
        .containsOnlyKeys("algorithm.dualClip");
    assertThat(problems("{\"advantageEstimator\": \"dr_grpo\", \"rewardScaling\": \"group\"}"))
        .containsOnlyKeys("algorithm.rewardScaling");
    assertThat(problems("{\"advantageEstimator\": \"rloo\", \"rewardScaling\": \"batch\"}"))
        .containsOnlyKeys("algorithm.rewardScaling");
    assertThat(
            problems("{\"beta\": 0.04, \"referenceSync\": {\"mode\": \"reset\", \"alpha\": 0.5}}"))
        .containsOnlyKeys("algorithm.referenceSync.alpha");
    assertThat(problems("{\"referenceSync\": {\"everyUpdates\": 8}}"))
        .containsOnlyKeys("algorithm.referenceSync.everyUpdates");
    assertThat(problems("{\"beta\": 0.0, \"referenceSync\": {\"mode\": \"ema\"}}"))
        .containsOnlyKeys("algorithm.referenceSync.mode");
  }

  @Test
  void outOfRangeSyncValuesAreFieldErrors() {
    assertThat(
            problems(
                "{\"referenceSync\": {\"mode\": \"ema\", \"everyUpdates\": 0, \"alpha\": 1.5}}"))
        .containsOnlyKeys("algorithm.referenceSync.everyUpdates", "algorithm.referenceSync.alpha");
    assertThat(problems("{\"referenceSync\": {\"mode\": \"ema\", \"alpha\": 0.0}}"))
        .containsOnlyKeys("algorithm.referenceSync.alpha");
    assertThat(problems("{\"referenceSync\": {\"mode\": \"ema\", \"everyUpdates\": -3}}"))
        .containsOnlyKeys("algorithm.referenceSync.everyUpdates");
    assertThat(problems("{\"policyLoss\": \"trpo\"}")).containsOnlyKeys("algorithm.policyLoss");
  }

  @Test
  void theRolloutCorrectionIsOffByDefaultAndTakesTheAnchorsThresholds() {
    RunSpec.RolloutCorrection none = bind("{}").algorithm().rolloutCorrection();
    assertThat(none.mode()).isEqualTo(RolloutCorrectionMode.NONE);
    assertThat(none.cap()).isNull();
    assertThat(none.lower()).isNull();
    assertThat(none.upper()).isNull();

    RunSpec.RolloutCorrection tis =
        bind("{\"rolloutCorrection\": {\"mode\": \"truncated_is\"}}")
            .algorithm()
            .rolloutCorrection();
    assertThat(tis.cap()).isEqualTo(2.0);
    assertThat(tis.lower()).isNull();

    RunSpec.RolloutCorrection mask =
        bind("{\"rolloutCorrection\": {\"mode\": \"mask_token\", \"upper\": 3}}")
            .algorithm()
            .rolloutCorrection();
    assertThat(mask.lower()).isEqualTo(0.5);
    assertThat(mask.upper()).isEqualTo(3.0);
    assertThat(mask.cap()).isNull();
  }

  @Test
  void rolloutCorrectionFieldsThatDoNotApplyAreRefusedByName() {
    assertThat(problems("{\"rolloutCorrection\": {\"cap\": 2, \"upper\": 3}}"))
        .containsOnlyKeys("algorithm.rolloutCorrection.cap", "algorithm.rolloutCorrection.upper");
    assertThat(problems("{\"rolloutCorrection\": {\"mode\": \"truncated_is\", \"lower\": 0.5}}"))
        .containsOnlyKeys("algorithm.rolloutCorrection.lower");
    assertThat(
            problems(
                "{\"rolloutCorrection\": {\"mode\": \"mask_token\", \"lower\": 1,"
                    + " \"upper\": 1}}"))
        .containsOnlyKeys("algorithm.rolloutCorrection.lower");
    assertThat(problems("{\"rolloutCorrection\": {\"mode\": \"truncated_is\", \"cap\": 1}}"))
        .containsOnlyKeys("algorithm.rolloutCorrection.cap");
    assertThat(
            problems(
                "{\"rolloutCorrection\": {\"mode\": \"mask_sequence\", \"lower\": 1.2,"
                    + " \"upper\": 0.8}}"))
        .containsOnlyKeys("algorithm.rolloutCorrection.lower", "algorithm.rolloutCorrection.upper");
    assertThat(problems("{\"rolloutCorrection\": {\"mode\": \"tis\"}}"))
        .containsOnlyKeys("algorithm.rolloutCorrection.mode");
    assertThat(
            problems(
                "{\"rolloutCorrection\": {\"mode\": \"mask_sequence\", \"lower\": 0.2,"
                    + " \"upper\": 8, \"cap\": 4}}"))
        .isEmpty();
  }

  @Test
  void aResolvedSpecBindsAgainUnchanged() {
    for (String algorithm :
        List.of(
            "{\"advantageEstimator\": \"rloo\", \"policyLoss\": \"cispo\"}",
            "{\"policyLoss\": \"gspo\", \"referenceSync\": {\"mode\": \"ema\", \"everyUpdates\": 2}}",
            "{\"rewardScaling\": \"none\"}",
            "{\"rolloutCorrection\": {\"mode\": \"truncated_is\"}}",
            "{\"rolloutCorrection\": {\"mode\": \"mask_sequence\", \"cap\": 3}}")) {
      RunSpec spec = bind(algorithm);
      RunSpec again = BINDER.bind(JSON.valueToTree(spec), RunSpec.class);
      assertThat(again).isEqualTo(spec);
      assertThat(again.crossFieldProblems()).isEmpty();
    }
  }
}
