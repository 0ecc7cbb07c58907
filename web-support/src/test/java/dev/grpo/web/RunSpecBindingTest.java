package dev.grpo.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.grpo.api.problem.FieldProblem;
import dev.grpo.api.run.DataSource;
import dev.grpo.api.run.KlEstimator;
import dev.grpo.api.run.LearningRateSchedule;
import dev.grpo.api.run.LossAggregation;
import dev.grpo.api.run.RewardScaling;
import dev.grpo.api.run.RunSpec;
import jakarta.validation.Validation;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class RunSpecBindingTest {

  private final JsonMapper mapper = JsonMapper.builder().build();
  private final RecordBinder binder =
      new RecordBinder(mapper, Validation.buildDefaultValidatorFactory().getValidator());

  private RunSpec bind(String json) {
    return binder.bind(mapper.readTree(json), RunSpec.class);
  }

  private Map<String, String> problems(String json) {
    InvalidRequestException e =
        catchThrowableOfType(InvalidRequestException.class, () -> bind(json));
    assertThat(e).as("expected the spec to be rejected").isNotNull();
    return e.problems().stream()
        .collect(
            Collectors.toMap(FieldProblem::field, FieldProblem::message, (a, b) -> a + "; " + b));
  }

  @Test
  void anEmptySpecTakesTheDocumentedDefaults() {
    RunSpec spec = bind("{}");
    assertThat(spec.model().preset()).isEqualTo("tiny");
    assertThat(spec.data().source()).isEqualTo(DataSource.GENERATOR);
    assertThat(spec.data().generator()).isEqualTo("arithmetic");
    assertThat(spec.algorithm().groupSize()).isEqualTo(8);
    assertThat(spec.algorithm().beta()).isEqualTo(0.04);
    assertThat(spec.algorithm().epsilonLow()).isEqualTo(0.2);
    assertThat(spec.algorithm().epsilonHigh()).isEqualTo(0.2);
    assertThat(spec.algorithm().lossAggregation()).isEqualTo(LossAggregation.DAPO);
    assertThat(spec.algorithm().klEstimator()).isEqualTo(KlEstimator.K3);
    assertThat(spec.optimizer().learningRate()).isEqualTo(1e-6);
    assertThat(spec.rollout().maxTokens()).isEqualTo(256);
    assertThat(spec.rewards())
        .extracting(RunSpec.Reward::rule)
        .containsExactly("math_accuracy", "format");
    assertThat(spec.schedule().steps()).isEqualTo(100);
    assertThat(spec.seed()).isEqualTo(42L);
  }

  @Test
  void epsilonHighDefaultsToEpsilonLowAndEnumsReadTheirWireNames() {
    RunSpec spec =
        bind(
            """
            {"algorithm": {"epsilonLow": 0.1, "lossAggregation": "dr_grpo", "rewardScaling": "none",
                           "klEstimator": "k1"},
             "optimizer": {"schedule": "cosine"}}
            """);
    assertThat(spec.algorithm().epsilonHigh()).isEqualTo(0.1);
    assertThat(spec.algorithm().lossAggregation()).isEqualTo(LossAggregation.DR_GRPO);
    assertThat(spec.algorithm().rewardScaling()).isEqualTo(RewardScaling.NONE);
    assertThat(spec.algorithm().klEstimator()).isEqualTo(KlEstimator.K1);
    assertThat(spec.optimizer().schedule()).isEqualTo(LearningRateSchedule.COSINE);
  }

  @Test
  void everyInvalidFieldIsNamedAtOnce() {
    Map<String, String> p =
        problems(
            """
            {"algorithm": {"groupSize": 1, "beta": "lots", "lossAggregation": "ppo", "klEstimtor": "k2"},
             "rollout": {"temperature": 0, "topP": 1.5},
             "schedule": {"steps": "ten"},
             "rewards": [{"rule": "format"}, {"rule": "Bad Name!"}],
             "colour": "blue"}
            """);
    // shape errors (type, enum, unknown field) and the value errors of the other fields, at once
    assertThat(p)
        .containsOnlyKeys(
            "algorithm.beta",
            "algorithm.lossAggregation",
            "algorithm.klEstimtor",
            "schedule.steps",
            "colour",
            "algorithm.groupSize",
            "rollout.temperature",
            "rollout.topP",
            "rewards[1].rule");
    assertThat(p.get("algorithm.beta")).isEqualTo("must be a number");
    assertThat(p.get("algorithm.lossAggregation"))
        .isEqualTo("must be one of: grpo, bnpo, dr_grpo, dapo");
    assertThat(p.get("algorithm.klEstimtor"))
        .startsWith("unknown field; known fields: advantageEpsilon");
    assertThat(p.get("schedule.steps")).isEqualTo("must be an integer");
  }

  @Test
  void valueViolationsAreNamedWithTheirPaths() {
    Map<String, String> p =
        problems(
            """
            {"algorithm": {"groupSize": 1, "epsilonLow": 0.3, "epsilonHigh": 0.28},
             "rollout": {"temperature": 0, "topP": 1.5},
             "rewards": [{"rule": "format"}, {"rule": "Bad Name!"}],
             "seed": -1}
            """);
    assertThat(p)
        .containsOnlyKeys(
            "algorithm.groupSize",
            "rollout.temperature",
            "rollout.topP",
            "rewards[1].rule",
            "seed");
    assertThat(p.get("algorithm.groupSize")).contains("2");
    assertThat(p.get("rewards[1].rule")).isEqualTo("must be a rule name");
  }

  @Test
  void crossFieldRulesAreCheckedOnceValuesAreValid() {
    RunSpec spec =
        bind(
            """
            {"algorithm": {"epsilonLow": 0.3, "epsilonHigh": 0.28},
             "data": {"source": "jsonl"},
             "schedule": {"steps": 5, "checkpointEvery": 10},
             "rewards": [{"rule": "format"}, {"rule": "format", "weight": 2}]}
            """);
    assertThat(spec.crossFieldProblems())
        .extracting(FieldProblem::field)
        .containsExactlyInAnyOrder(
            "data.path", "algorithm.epsilonHigh", "schedule.checkpointEvery", "rewards[1].rule");
  }

  @Test
  void aFractionForAnIntegerIsRejectedNotTruncated() {
    assertThat(problems("{\"algorithm\": {\"groupSize\": 8.9}}"))
        .containsEntry("algorithm.groupSize", "must be an integer");
    assertThat(bind("{\"algorithm\": {\"groupSize\": 8}}").algorithm().groupSize()).isEqualTo(8);
  }

  @Test
  void aBodyThatIsNotAnObjectIsRejected() {
    assertThat(problems("[1,2]")).containsOnlyKeys("$");
    assertThat(problems("{\"rewards\": {\"rule\": \"x\"}}"))
        .containsEntry("rewards", "must be an array");
  }

  @Test
  void theDefaultCheckpointIntervalFitsAShortRunButAnExplicitOneIsChecked() {
    RunSpec oneStep = bind("{\"schedule\": {\"steps\": 1}}");
    assertThat(oneStep.schedule().checkpointEvery()).isEqualTo(1);
    assertThat(oneStep.crossFieldProblems()).isEmpty();
    assertThat(bind("{\"schedule\": {\"steps\": 7}}").schedule().checkpointEvery()).isEqualTo(7);
    assertThat(bind("{\"schedule\": {\"steps\": 50}}").schedule().checkpointEvery()).isEqualTo(10);
    assertThat(bind("{}").schedule().checkpointEvery()).isEqualTo(10);
    assertThat(bind("{\"schedule\": {\"steps\": 1, \"checkpointEvery\": 2}}").crossFieldProblems())
        .extracting(FieldProblem::field)
        .containsExactly("schedule.checkpointEvery");
  }

  @Test
  void controlCharactersInAnyStringOrKeyAreNamedAndTheRestStillChecked() {
    Map<String, String> p =
        problems(
            """
            {"name": "a\\u0000b",
             "data": {"items": [{"id": "x", "prompt": "ok\\u001b[2J"}]},
             "rollout": {"stop": ["\\n", "\\u007f"]},
             "rewards": [{"rule": "format", "params": {"k\\u0007": 1}}],
             "algorithm": {"groupSize": 1}}
            """);
    assertThat(p)
        .containsEntry("name", "must not contain control characters (U+0000)")
        .containsEntry("data.items[0].prompt", "must not contain control characters (U+001B)")
        .containsEntry("rollout.stop[1]", "must not contain control characters (U+007F)")
        .containsEntry("rewards[0].params", "a key must not contain control characters (U+0007)")
        .containsKey("algorithm.groupSize")
        .hasSize(5);
  }

  @Test
  void tabsAndLineBreaksInTextAreFine() {
    RunSpec spec =
        bind(
            """
            {"data": {"items": [{"id": "x", "prompt": "line one\\n\\tline two\\r\\n"}]}}
            """);
    assertThat(spec.data().items().get(0).prompt()).isEqualTo("line one\n\tline two\r\n");
  }
}
