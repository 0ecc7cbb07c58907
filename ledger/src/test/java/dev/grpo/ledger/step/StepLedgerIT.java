package dev.grpo.ledger.step;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.ledger.LedgerTestApplication;
import dev.grpo.ledger.completion.CompletionWriter;
import dev.grpo.ledger.completion.CompletionWriter.NewCompletion;
import dev.grpo.ledger.completion.StepSamples;
import dev.grpo.ledger.dataset.DatasetItems;
import dev.grpo.ledger.reward.RewardWriter;
import dev.grpo.ledger.reward.RewardWriter.NewReward;
import dev.grpo.ledger.run.Run;
import dev.grpo.ledger.run.RunRepository;
import dev.grpo.rule.RuleStatus;
import dev.grpo.testsupport.SharedPostgres;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/** Step and eval rows and the samples query against a real PostgreSQL. */
@SpringBootTest(classes = LedgerTestApplication.class)
class StepLedgerIT {

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    SharedPostgres.register(registry);
  }

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Autowired StepLedger steps;
  @Autowired StepSamples samples;
  @Autowired DatasetItems items;
  @Autowired CompletionWriter completions;
  @Autowired RewardWriter rewards;
  @Autowired RunRepository runs;

  UUID run;

  @BeforeEach
  void aRun() {
    run = UUID.randomUUID();
    runs.save(new Run(run, "r", "{}", null, null, Instant.now()));
  }

  @Test
  void aRedoneStepOverwritesItsRowSoThereIsOneRowPerStep() {
    steps.begin(run, 0, 1);
    steps.phase(run, 0, StepState.TRAINING);
    steps.finish(
        run, 0, StepState.FAILED, JSON.readTree("{\"error\": \"x\"}"), JSON.readTree("{}"));
    assertThat(steps.finishedSteps(run, 0))
        .extracting(StepLedger.StepRow::state)
        .containsExactly(StepState.FAILED);

    steps.begin(run, 0, 1);
    assertThat(steps.steps(run, 0, 10))
        .singleElement()
        .satisfies(
            row -> {
              assertThat(row.state()).isEqualTo(StepState.ROLLOUT);
              assertThat(row.finishedAt()).isNull();
              assertThat(row.metrics().isEmpty())
                  .as("the failed attempt's metrics are gone")
                  .isTrue();
            });
    assertThat(steps.finishedSteps(run, 0)).isEmpty();

    steps.finish(
        run, 0, StepState.DONE, JSON.readTree("{\"kl\": 0.5}"), JSON.readTree("{\"total\": 2}"));
    steps.begin(run, 1, 2);
    List<StepLedger.StepRow> rows = steps.steps(run, 0, 10);
    assertThat(rows)
        .extracting(StepLedger.StepRow::state)
        .containsExactly(StepState.DONE, StepState.ROLLOUT);
    assertThat(rows.get(0).metrics().get("kl").asDouble()).isEqualTo(0.5);
    assertThat(rows.get(1).policyVersion()).isEqualTo(2);
    assertThat(steps.steps(run, 1, 10)).extracting(StepLedger.StepRow::step).containsExactly(1);
  }

  @Test
  void aStepFinishesOnlyAsDoneOrFailed() {
    steps.begin(run, 0, 1);
    assertThatThrownBy(
            () -> steps.finish(run, 0, StepState.SYNCING, JSON.readTree("{}"), JSON.readTree("{}")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(steps.steps(run, 0, 1).get(0).state()).isEqualTo(StepState.ROLLOUT);
  }

  @Test
  void anEvalIsRecordedOncePerStepAndARedoReplacesIt() {
    assertThat(steps.hasEval(run, 0)).isFalse();
    steps.recordEval(run, 0, 1, JSON.readTree("{\"accuracy\": 0.25}"));
    steps.recordEval(run, 0, 1, JSON.readTree("{\"accuracy\": 0.5}"));
    steps.recordEval(run, 4, 5, JSON.readTree("{\"accuracy\": 0.75}"));
    assertThat(steps.hasEval(run, 0)).isTrue();
    assertThat(steps.evals(run))
        .extracting(e -> e.metrics().get("accuracy").asDouble())
        .containsExactly(0.5, 0.75);
  }

  @Test
  void samplesComeWithTheirPromptAndEveryRulesResultPaged() {
    items.materialize(
        run,
        List.of(
            new DatasetItems.Item("t0", DatasetItems.TRAIN, 0, "1+1", "2", null, null, null),
            new DatasetItems.Item("e0", DatasetItems.EVAL, 0, "2+2", "4", null, null, null)));
    long t0 =
        completions
            .writeAll(
                List.of(
                    new NewCompletion(
                        run, 3, "t0", 0, "2", new int[] {5}, new float[] {-1f}, "stop", 4, "e"),
                    new NewCompletion(
                        run, 3, "t0", 1, "3", new int[] {6}, new float[] {-2f}, "stop", 4, "e"),
                    new NewCompletion(
                        run, 3, "e0", 0, "4", new int[] {7}, new float[] {-1f}, "length", 4, "e")))
            .get(0)
            .id();
    rewards.writeAll(
        List.of(
            new NewReward(
                t0, "math_accuracy", "1", RuleStatus.OK, 1.0, "{\"prediction\": \"2\"}", 3),
            new NewReward(t0, "format", "1", RuleStatus.TIMEOUT, null, null, 3)));

    assertThat(samples.count(run, 3)).isEqualTo(3);
    // train before eval (split descending), then by item and sample index
    List<StepSamples.Sample> page = samples.page(run, 3, 0, 2);
    assertThat(page).extracting(StepSamples.Sample::text).containsExactly("2", "3");
    StepSamples.Sample first = page.get(0);
    assertThat(first.itemId()).isEqualTo("t0");
    assertThat(first.prompt()).isEqualTo("1+1");
    assertThat(first.split()).isEqualTo("train");
    assertThat(first.tokens()).isEqualTo(1);
    // rules in name order; only OK carries a score; details as the rule wrote them ({} if none)
    assertThat(first.rewards())
        .extracting(r -> r.rule() + " " + r.status() + " " + r.score() + " " + r.details())
        .containsExactly("format TIMEOUT null {}", "math_accuracy OK 1.0 {\"prediction\":\"2\"}");
    assertThat(page.get(1).rewards()).isEmpty();
    StepSamples.Sample eval = samples.page(run, 3, 1, 2).get(0);
    assertThat(eval.itemId()).isEqualTo("e0");
    assertThat(eval.split()).isEqualTo("eval");
    assertThat(eval.finishReason()).isEqualTo("length");
  }
}
