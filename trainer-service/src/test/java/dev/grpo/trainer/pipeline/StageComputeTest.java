package dev.grpo.trainer.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.api.run.RunKind;
import dev.grpo.ledger.step.StepLedger.EvalRow;
import dev.grpo.ledger.step.StepLedger.StepRow;
import dev.grpo.ledger.step.StepState;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class StageComputeTest {

  private final JsonMapper mapper = JsonMapper.builder().build();

  private JsonNode json(String text) {
    return mapper.readTree(text);
  }

  private StepRow step(int n, StepState state, long train, long sampled) {
    return new StepRow(
        n,
        state,
        n + 1,
        json(
            """
            {"compute": {"train_tokens": %d, "forward_tokens": 0, "sampled_tokens": %d,
                         "token_passes": %d}}
            """
                .formatted(train, sampled, 3 * train + sampled)),
        null,
        Instant.EPOCH,
        Instant.EPOCH);
  }

  @Test
  void aGrpoStageCountsItsColdStartAndItsDoneStepsOnly() {
    List<EvalRow> evals =
        List.of(
            new EvalRow(
                0,
                1,
                json(
                    """
                    {"accuracy": 0.5, "cold_start": {"compute": {"train_tokens": 1000,
                     "forward_tokens": 0, "sampled_tokens": 0, "token_passes": 3000}}}
                    """),
                Instant.EPOCH),
            new EvalRow(2, 3, json("{\"accuracy\": 0.9}"), Instant.EPOCH));
    List<StepRow> steps =
        List.of(
            step(0, StepState.DONE, 100, 100),
            step(1, StepState.DONE, 120, 120),
            // a step that failed and was redone: its row is not DONE, its work is not counted
            step(2, StepState.FAILED, 999, 999));
    ObjectNode c = StageCompute.of(RunKind.GRPO, evals, steps, mapper);
    assertThat(c.at("/policy/train_tokens").asLong()).isEqualTo(1220);
    assertThat(c.at("/policy/sampled_tokens").asLong()).isEqualTo(220);
    assertThat(c.at("/policy/token_passes").asLong()).isEqualTo(3000 + 400 + 480);
    assertThat(c.get("teacher_sampled_tokens").asLong()).isZero();
  }

  @Test
  void aDistillStageCountsTheStudentsSftAndTheTeachersSamplesApart() {
    List<EvalRow> evals =
        List.of(
            new EvalRow(
                0,
                2,
                json(
                    """
                    {"sft": {"compute": {"train_tokens": 500, "forward_tokens": 0,
                             "sampled_tokens": 0, "token_passes": 1500}},
                     "rejection_sampling": {"kept": 10, "sampled_tokens": 777}}
                    """),
                Instant.EPOCH));
    ObjectNode c = StageCompute.of(RunKind.DISTILL, evals, List.of(), mapper);
    assertThat(c.at("/policy/token_passes").asLong()).isEqualTo(1500);
    assertThat(c.at("/policy/sampled_tokens").asLong()).isZero();
    assertThat(c.get("teacher_sampled_tokens").asLong()).isEqualTo(777);
  }

  @Test
  void anEvalStageTrainsNothing() {
    ObjectNode c =
        StageCompute.of(
            RunKind.EVAL,
            List.of(new EvalRow(0, 1, json("{\"accuracy\": 1.0}"), Instant.EPOCH)),
            List.of(),
            mapper);
    assertThat(c.at("/policy/token_passes").asLong()).isZero();
    assertThat(c.get("teacher_sampled_tokens").asLong()).isZero();
  }
}
