package dev.grpo.trainer.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.api.problem.FieldProblem;
import dev.grpo.api.run.RunSpec;
import dev.grpo.web.InvalidRequestException;
import dev.grpo.web.RecordBinder;
import jakarta.validation.Validation;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class SweepGridTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final RecordBinder BINDER =
      new RecordBinder(JSON, Validation.buildDefaultValidatorFactory().getValidator());

  private static SweepGrid.Request read(String body) {
    return SweepGrid.read(JSON.readTree(body), JSON.createObjectNode(), BINDER);
  }

  @Test
  void expandsTheGridInAxisOrderIntoNamedBoundSpecs() {
    SweepGrid.Request r =
        read(
            """
            {"name": "b", "base": {"schedule": {"steps": 3, "checkpointEvery": 1}},
             "grid": {"beta": [0.0, 0.04], "learningRate": [1e-6, 2e-6, 3e-6]}}
            """);

    assertThat(r.name()).isEqualTo("b");
    assertThat(r.specs()).hasSize(6);
    RunSpec last = r.specs().get(5);
    assertThat(last.algorithm().beta()).isEqualTo(0.04);
    assertThat(last.optimizer().learningRate()).isEqualTo(3e-6);
    assertThat(last.schedule().steps()).as("the base is kept").isEqualTo(3);
    assertThat(r.specs().get(1).name()).isEqualTo("b/beta=0.0,learningRate=2.0E-6");
    assertThat(r.specs().get(0).name()).isEqualTo("b/beta=0.0,learningRate=1.0E-6");
  }

  @Test
  void everyProblemOfTheGridIsReportedAtOnce() {
    assertThatThrownBy(
            () -> read("{\"name\": \"\", \"grid\": {\"gamma\": [1], \"beta\": [1, \"x\"]}}"))
        .isInstanceOfSatisfying(
            InvalidRequestException.class,
            e ->
                assertThat(e.problems())
                    .extracting(FieldProblem::field)
                    .containsExactly("name", "grid.gamma", "grid.beta[1]"));
  }

  @Test
  void aGridOfMoreThan64PointsIsRefused() {
    assertThatThrownBy(
            () ->
                read(
                    """
                    {"grid": {"seed": [1, 2, 3, 4, 5, 6, 7, 8, 9],
                              "beta": [0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07]}}
                    """))
        .isInstanceOfSatisfying(
            InvalidRequestException.class,
            e ->
                assertThat(e.problems())
                    .singleElement()
                    .extracting(FieldProblem::message)
                    .isEqualTo("has 72 points; at most 64 allowed"));
  }

  @Test
  void aPointsInvalidSpecIsReportedUnderBase() {
    assertThatThrownBy(() -> read("{\"grid\": {\"beta\": [20]}}"))
        .isInstanceOfSatisfying(
            InvalidRequestException.class,
            e ->
                assertThat(e.problems())
                    .extracting(FieldProblem::field)
                    .containsExactly("base.algorithm.beta"));
  }
}
