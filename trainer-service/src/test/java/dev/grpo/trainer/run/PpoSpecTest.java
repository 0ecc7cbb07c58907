package dev.grpo.trainer.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.grpo.api.problem.FieldProblem;
import dev.grpo.api.run.PolicyLoss;
import dev.grpo.api.run.RunSpec;
import dev.grpo.api.run.ValueModelKind;
import dev.grpo.web.InvalidRequestException;
import dev.grpo.web.RecordBinder;
import jakarta.validation.Validation;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code policyLoss: ppo} and its sections: defaults, and the combinations refused at the door with
 * the field to fix (a critic's options without ppo, ppo with another advantage estimator, a preset
 * for a head critic or beside a model path).
 */
class PpoSpecTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final RecordBinder BINDER =
      new RecordBinder(JSON, Validation.buildDefaultValidatorFactory().getValidator());

  private static RunSpec bind(String spec) {
    return BINDER.bind(JSON.readTree(spec), RunSpec.class);
  }

  private static Map<String, String> problems(String spec) {
    InvalidRequestException e =
        catchThrowableOfType(InvalidRequestException.class, () -> bind(spec));
    List<FieldProblem> problems = e != null ? e.problems() : bind(spec).crossFieldProblems();
    return problems.stream()
        .collect(
            Collectors.toMap(FieldProblem::field, FieldProblem::message, (a, b) -> a + "; " + b));
  }

  @Test
  void ppoGetsASeparateCriticAndGaeByDefault() {
    RunSpec spec = bind("{\"algorithm\": {\"policyLoss\": \"ppo\"}}");
    RunSpec.Algorithm a = spec.algorithm();
    assertThat(a.policyLoss()).isEqualTo(PolicyLoss.PPO);
    assertThat(a.valueModel().kind()).isEqualTo(ValueModelKind.SEPARATE);
    assertThat(a.valueModel().preset()).isNull();
    assertThat(a.valueModel().learningRate()).isNull();
    assertThat(a.valueModel().valueClip()).isEqualTo(0.2);
    assertThat(a.valueModel().coefficient()).isEqualTo(0.1);
    assertThat(a.gae().gamma()).isEqualTo(1.0);
    assertThat(a.gae().lambda()).isEqualTo(0.95);
    assertThat(a.gae().whiten()).isTrue();
    assertThat(spec.crossFieldProblems()).isEmpty();
  }

  @Test
  void withoutPpoTheCriticSectionsStayAbsent() {
    RunSpec.Algorithm a = bind("{}").algorithm();
    assertThat(a.valueModel()).isNull();
    assertThat(a.gae()).isNull();
  }

  @Test
  void aCriticOptionWithoutPpoIsRefusedNamingIt() {
    Map<String, String> p =
        problems(
            "{\"algorithm\": {\"policyLoss\": \"gspo\", \"valueModel\": {\"kind\": \"head\"},"
                + " \"gae\": {\"lambda\": 0.9}}}");
    assertThat(p).containsOnlyKeys("algorithm.valueModel", "algorithm.gae");
    assertThat(p.get("algorithm.valueModel")).contains("only when policyLoss is ppo", "gspo");
    assertThat(problems("{\"algorithm\": {\"gae\": {\"gamma\": 0.99}}}"))
        .containsOnlyKeys("algorithm.gae");
  }

  @Test
  void ppoWithAGroupEstimatorIsRefused() {
    assertThat(
            problems(
                "{\"algorithm\": {\"policyLoss\": \"ppo\", \"advantageEstimator\": \"rloo\"}}"))
        .containsOnlyKeys("algorithm.advantageEstimator");
    assertThat(problems("{\"algorithm\": {\"policyLoss\": \"ppo\", \"rewardScaling\": \"batch\"}}"))
        .containsOnlyKeys("algorithm.rewardScaling");
  }

  @Test
  void presetsAreForSeparateCriticsOfPresetPolicies() {
    assertThat(
            problems(
                "{\"algorithm\": {\"policyLoss\": \"ppo\", \"valueModel\": {\"kind\": \"head\","
                    + " \"preset\": \"tiny\"}}}"))
        .containsOnlyKeys("algorithm.valueModel.preset");
    assertThat(
            problems(
                "{\"model\": {\"path\": \"/models/x\"}, \"algorithm\": {\"policyLoss\": \"ppo\","
                    + " \"valueModel\": {\"preset\": \"tiny\"}}}"))
        .containsOnlyKeys("algorithm.valueModel.preset");
    assertThat(
            problems(
                "{\"algorithm\": {\"policyLoss\": \"ppo\", \"valueModel\": {\"preset\":"
                    + " \"tiny\"}}}"))
        .isEmpty();
  }

  @Test
  void outOfRangeCriticKnobsAreFieldProblems() {
    Map<String, String> p =
        problems(
            "{\"algorithm\": {\"policyLoss\": \"ppo\", \"valueModel\": {\"valueClip\": 0,"
                + " \"preset\": \"huge\"}, \"gae\": {\"gamma\": 1.5}}}");
    assertThat(p)
        .containsKeys(
            "algorithm.valueModel.valueClip", "algorithm.valueModel.preset", "algorithm.gae.gamma");
  }
}
