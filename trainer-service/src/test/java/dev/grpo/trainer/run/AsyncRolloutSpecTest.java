package dev.grpo.trainer.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.grpo.api.problem.FieldProblem;
import dev.grpo.api.run.RunSpec;
import dev.grpo.web.InvalidRequestException;
import dev.grpo.web.RecordBinder;
import jakarta.validation.Validation;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** {@code rollout.maxStaleness}: its default, its cap, and what it needs of the algorithm. */
class AsyncRolloutSpecTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final RecordBinder BINDER =
      new RecordBinder(JSON, Validation.buildDefaultValidatorFactory().getValidator());

  private static RunSpec bind(String spec) {
    return BINDER.bind(JSON.readTree(spec), RunSpec.class);
  }

  private static Map<String, String> problems(String spec) {
    List<FieldProblem> problems;
    InvalidRequestException e =
        catchThrowableOfType(InvalidRequestException.class, () -> bind(spec));
    problems = e != null ? e.problems() : bind(spec).crossFieldProblems();
    return problems.stream()
        .collect(
            Collectors.toMap(FieldProblem::field, FieldProblem::message, (a, b) -> a + "; " + b));
  }

  @Test
  void absentItIsTheSynchronousLoop() {
    assertThat(bind("{}").rollout().maxStaleness()).isZero();
    assertThat(bind("{\"rollout\": {\"maxTokens\": 9}}").rollout().maxStaleness()).isZero();
  }

  @Test
  void aboveTheCapIsRefusedNamingTheField() {
    assertThat(
            problems(
                "{\"rollout\": {\"maxStaleness\": 9},"
                    + " \"algorithm\": {\"rolloutCorrection\": {\"mode\": \"truncated_is\"}}}"))
        .containsOnlyKeys("rollout.maxStaleness");
    assertThat(problems("{\"rollout\": {\"maxStaleness\": -1}}"))
        .containsOnlyKeys("rollout.maxStaleness");
  }

  @Test
  void staleSamplesNeedTheBehaviourPolicysLogProbsInTheLoss() {
    assertThat(problems("{\"rollout\": {\"maxStaleness\": 1}}"))
        .containsOnlyKeys("algorithm.rolloutCorrection.mode")
        .extractingByKey("algorithm.rolloutCorrection.mode")
        .asString()
        .startsWith("must be truncated_is, mask_token or mask_sequence when rollout.maxStaleness");
    for (String mode : List.of("truncated_is", "mask_token", "mask_sequence")) {
      assertThat(
              problems(
                  "{\"rollout\": {\"maxStaleness\": 8},"
                      + " \"algorithm\": {\"rolloutCorrection\": {\"mode\": \""
                      + mode
                      + "\"}}}"))
          .isEmpty();
    }
  }
}
