package dev.grpo.trainer.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.api.pipeline.PipelineSpec;
import dev.grpo.api.pipeline.PipelineSpec.Stage;
import dev.grpo.api.problem.FieldProblem;
import dev.grpo.api.run.RunKind;
import java.util.List;
import org.junit.jupiter.api.Test;

class StageReferencesTest {

  private static Stage stage(String name, RunKind kind, String from, String init) {
    return new Stage(name, kind, from, init, null);
  }

  @Test
  void theR1ChainIsAccepted() {
    PipelineSpec r1 =
        new PipelineSpec(
            "r1",
            List.of(
                stage("cold", RunKind.SFT, null, null),
                stage("rl1", RunKind.GRPO, "cold.checkpoint", null),
                stage("rs", RunKind.REJECTION_SAMPLING, "rl1.checkpoint", null),
                stage("sft", RunKind.SFT, "rs.dataset", "cold.checkpoint"),
                stage("rl2", RunKind.GRPO, "sft.checkpoint", null),
                stage("d", RunKind.DISTILL, "rl2.checkpoint", null),
                stage("student", RunKind.SFT, "d.dataset", null),
                stage("eval", RunKind.EVAL, "d.checkpoint", null)));
    assertThat(StageReferences.problems(r1)).isEmpty();
  }

  @Test
  void eachBadReferenceIsNamedByItsField() {
    PipelineSpec bad =
        new PipelineSpec(
            null,
            List.of(
                stage("a", RunKind.GRPO, "b.checkpoint", null),
                stage("b", RunKind.EVAL, "b.checkpoint", null),
                stage("a", RunKind.SFT, "b.dataset", null),
                stage("c", RunKind.GRPO, "a.dataset", null),
                stage("e", RunKind.SFT, "a.checkpoint", "a.checkpoint")));
    assertThat(StageReferences.problems(bad))
        .extracting(FieldProblem::field)
        .containsExactly(
            "stages[2].name",
            "stages[0].from",
            "stages[1].from",
            "stages[2].from",
            "stages[3].from",
            "stages[4].init");
    assertThat(StageReferences.problems(bad).get(2).message()).contains("cycle");
    assertThat(StageReferences.problems(bad).get(3).message())
        .isEqualTo("a eval stage produces no dataset");
    assertThat(StageReferences.problems(bad).get(4).message())
        .isEqualTo("a grpo stage produces no dataset");
  }
}
