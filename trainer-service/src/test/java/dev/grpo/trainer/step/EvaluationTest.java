package dev.grpo.trainer.step;

import static dev.grpo.trainer.step.FakeServices.failed;
import static dev.grpo.trainer.step.FakeServices.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

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
    Evaluation evaluation =
        new Evaluation(StepFixtures.rollouts(spec, fake), StepFixtures.scoring(spec, fake));

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
    Evaluation evaluation =
        new Evaluation(
            StepFixtures.rollouts(keywordOnly, half), StepFixtures.scoring(keywordOnly, half));

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
}
