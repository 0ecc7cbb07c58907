package dev.grpo.trainer.step;

import static dev.grpo.trainer.step.FakeServices.failed;
import static dev.grpo.trainer.step.FakeServices.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.grpo.api.rollout.RolloutRequest;
import dev.grpo.api.run.RunSpec;
import dev.grpo.trainer.step.Evaluation.EvalReport;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

class EvaluationTest {

  /** What each eval item's greedy completion says, and how math_accuracy judges it. */
  private static final Map<String, String> GREEDY =
      Map.of("a", "right", "b", "right", "c", "wrong", "d", "stuck");

  private final FakeServices fake =
      new FakeServices(
          (item, k) -> GREEDY.get(item),
          (rule, text) ->
              switch (rule) {
                case "math_accuracy" ->
                    switch (text) {
                      case "right" -> ok(rule, 1.0);
                      case "wrong" -> ok(rule, 0.0);
                      default -> failed(rule, "TIMEOUT");
                    };
                default -> ok(rule, 1.0);
              });

  private final RunSpec spec =
      StepFixtures.spec(
          """
          {"rewards": [{"rule": "math_accuracy", "weight": 1.0}, {"rule": "format", "weight": 0.5}],
           "rollout": {"maxTokens": 64}}
          """);

  @Test
  void accuracyIsThePassRateOverEveryEvalItem() {
    Evaluation evaluation = evaluation(spec, fake);

    EvalReport report = evaluation.run(5, 6, StepFixtures.items("eval", "a", "b", "c", "d"));

    // a, b pass; c fails; d timed out and counts as not passed: 2 of 4
    assertThat(report.items()).isEqualTo(4);
    assertThat(report.accuracyRule()).isEqualTo("math_accuracy");
    assertThat(report.accuracy()).isEqualTo(0.5);
    assertThat(report.rules().get("math_accuracy").ok()).isEqualTo(3);
    assertThat(report.formatRate()).isEqualTo(1.0);
    // totals only where every rule scored: a, b = 1.5; c = 0.5
    assertThat(report.rewardMean()).isCloseTo(3.5 / 3, within(1e-12));
    // "right" ×2, "wrong", "stuck": 5 + 5 + 5 + 5 characters
    assertThat(report.lengthMean()).isEqualTo(5.0);
    // one greedy completion per item, at the policy being evaluated
    assertThat(fake.rollouts).hasSize(1);
    assertThat(fake.rollouts.get(0).n()).isEqualTo(1);
    assertThat(fake.rollouts.get(0).sampling().temperature()).isEqualTo(0.0);
    assertThat(fake.rollouts.get(0).policyVersion()).isEqualTo(6L);
    assertThat(fake.scores.get(0).items()).hasSize(4);
  }

  @Test
  void withoutAMathRuleTheFirstRuleIsTheAccuracyAndThereIsNoFormatRate() {
    RunSpec keywordOnly = StepFixtures.spec("{\"rewards\": [{\"rule\": \"keyword\"}]}");
    FakeServices half =
        new FakeServices((item, k) -> item, (rule, text) -> ok(rule, text.equals("a") ? 1.0 : 0.0));
    Evaluation evaluation = evaluation(keywordOnly, half);

    EvalReport report = evaluation.run(0, 1, StepFixtures.items("eval", "a", "b"));
    ObjectNode json = report.writeTo(StepFixtures.MAPPER.createObjectNode());

    assertThat(report.accuracyRule()).isEqualTo("keyword");
    assertThat(report.accuracy()).isEqualTo(0.5);
    assertThat(report.formatRate()).isNull();
    assertThat(json.get("accuracy").asDouble()).isEqualTo(0.5);
    assertThat(json.has("format_rate")).isFalse();
    assertThat(json.get("rules").get("keyword").get("ok").asInt()).isEqualTo(2);
    assertThat(json.get("greedy").asBoolean()).isTrue();
  }

  /**
   * k = 4 samples per item at the spec's temperature and top-p: item a answers 7, 7, 7, 9 (gold 7),
   * b answers 3, 5, 5, none (gold 3), c never answers right.
   */
  @Test
  void sampledEvaluationReportsPassAtOneAveragedPassAtKAndTheMajorityVote() {
    RunSpec sampled =
        StepFixtures.spec(
            """
            {"rewards": [{"rule": "math_accuracy", "weight": 1.0}],
             "evaluation": {"samples": 4, "temperature": 0.6, "topP": 0.95}}
            """);
    java.util.Map<String, String[]> answers =
        java.util.Map.of(
            "a", new String[] {"7", "7", "7", "9"},
            "b", new String[] {"3", "5", "5", ""},
            "c", new String[] {"1", "2", "", ""});
    java.util.Map<String, String> gold = java.util.Map.of("a", "7", "b", "3", "c", "4");
    FakeServices services =
        new FakeServices(
            // the greedy completion is sample 0's; "item:answer" carries both to the scorer
            (item, k) -> item + ":" + answers.get(item)[k],
            (rule, text) -> {
              String item = text.substring(0, 1);
              String answer = text.substring(2);
              if (answer.isEmpty()) {
                return new dev.grpo.api.reward.ScoreResponse.RuleOutcome(
                    rule, "1", "OK", 0.0, java.util.Map.of("source", "none"));
              }
              return new dev.grpo.api.reward.ScoreResponse.RuleOutcome(
                  rule,
                  "1",
                  "OK",
                  answer.equals(gold.get(item)) ? 1.0 : 0.0,
                  java.util.Map.of("prediction", answer));
            });
    Evaluation evaluation = evaluation(sampled, services);

    EvalReport report = evaluation.run(2, 3, StepFixtures.items("eval", "a", "b", "c"));
    tools.jackson.databind.JsonNode json =
        report.writeTo(StepFixtures.MAPPER.createObjectNode()).get("sampled");

    // greedy (sample 0 of each): a right, b right, c wrong
    assertThat(report.accuracy()).isCloseTo(2.0 / 3, within(1e-12));
    // the sampling request: k = 4 at the evaluation's temperature and top-p, not the run's
    RolloutRequest sampling = services.rollouts.get(1);
    assertThat(sampling.n()).isEqualTo(4);
    assertThat(sampling.sampling().temperature()).isEqualTo(0.6);
    assertThat(sampling.sampling().topP()).isEqualTo(0.95);
    // c = 3, 1, 0 of 4: pass@1 = (3/4 + 1/4 + 0) / 3
    assertThat(json.get("pass@1").asDouble()).isCloseTo(1.0 / 3, within(1e-12));
    // pass@2 = 1 - C(4-c, 2)/C(4, 2): a 1 - 0/6 = 1, b 1 - 3/6 = 0.5, c 0
    assertThat(json.get("pass@2").asDouble()).isCloseTo(1.5 / 3, within(1e-12));
    // pass@4: a and b have a correct sample
    assertThat(json.get("pass@4").asDouble()).isCloseTo(2.0 / 3, within(1e-12));
    // majority: a "7" (right), b "5" (wrong), c "1" vs "2" tie → the earliest, "1" (wrong)
    assertThat(json.get("cons@4").asDouble()).isCloseTo(1.0 / 3, within(1e-12));
    assertThat(json.get("k").asInt()).isEqualTo(4);
    assertThat(json.get("items").asInt()).isEqualTo(3);
    assertThat(json.get("temperature").asDouble()).isEqualTo(0.6);
  }

  @Test
  void theUnbiasedPassAtKEstimatorMatchesTheBinomialFormula() {
    // 1 - C(n-c, k) / C(n, k), computed by hand
    assertThat(SampledEvaluation.passAt(4, 1, 1)).isCloseTo(0.25, within(1e-15));
    assertThat(SampledEvaluation.passAt(4, 1, 2)).isCloseTo(0.5, within(1e-15));
    assertThat(SampledEvaluation.passAt(10, 3, 5)).isCloseTo(1 - 21.0 / 252, within(1e-15));
    assertThat(SampledEvaluation.passAt(64, 2, 8))
        .isCloseTo(1 - (56.0 * 55) / (64.0 * 63), within(1e-14));
    assertThat(SampledEvaluation.passAt(4, 0, 4)).isEqualTo(0.0);
    assertThat(SampledEvaluation.passAt(4, 4, 1)).isEqualTo(1.0);
    assertThat(SampledEvaluation.passAt(4, 2, 3)).isEqualTo(1.0); // fewer than 3 wrong samples
    assertThat(SampledEvaluation.reportedJ(8)).containsExactly(1, 2, 4, 8);
    assertThat(SampledEvaluation.reportedJ(6)).containsExactly(1, 2, 4, 6);
    assertThat(SampledEvaluation.reportedJ(1)).containsExactly(1);
  }

  @Test
  void withoutSamplesTheEvaluationStaysGreedyOnly() {
    Evaluation evaluation = evaluation(spec, fake);
    EvalReport report = evaluation.run(0, 1, StepFixtures.items("eval", "a"));
    assertThat(report.sampled()).isNull();
    assertThat(report.writeTo(StepFixtures.MAPPER.createObjectNode()).has("sampled")).isFalse();
    assertThat(fake.rollouts).hasSize(1);
  }

  private static Evaluation evaluation(RunSpec spec, FakeServices services) {
    return new Evaluation(
        StepFixtures.rollouts(spec, services),
        StepFixtures.scoring(spec, services),
        spec.evaluation(),
        spec.seed());
  }
}
