package dev.grpo.ledger.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.ledger.LedgerTestApplication;
import dev.grpo.ledger.run.Run;
import dev.grpo.ledger.run.RunRepository;
import dev.grpo.ledger.run.RunState;
import dev.grpo.ledger.step.StepLedger;
import dev.grpo.ledger.step.StepState;
import dev.grpo.testsupport.SharedPostgres;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/** Sweeps and their point runs against a real PostgreSQL. */
@SpringBootTest(classes = LedgerTestApplication.class)
class SweepsIT {

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    SharedPostgres.register(registry);
  }

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Autowired Sweeps sweeps;
  @Autowired RunRepository runs;
  @Autowired StepLedger steps;

  private UUID point(UUID sweep, int index) {
    UUID id = UUID.randomUUID();
    Run run =
        new Run(
            id,
            "s/beta=" + index,
            "{\"seed\": " + index + "}",
            "sweep:" + sweep + ":" + index,
            "h",
            Instant.now());
    run.setSweepId(sweep);
    runs.save(run);
    return id;
  }

  @Test
  void aSweepIsStoredOncePerKeyAndShowsEachPointsNewestDoneStepAndEval() {
    UUID id = UUID.randomUUID();
    sweeps.insert(new Sweeps.Sweep(id, "s", "{\"grid\": {\"beta\": [0, 1]}}", "hash"), "key-1");
    assertThatThrownBy(
            () -> sweeps.insert(new Sweeps.Sweep(UUID.randomUUID(), "s", "{}", "other"), "key-1"))
        .isInstanceOf(DuplicateKeyException.class);
    assertThat(sweeps.findByIdempotencyKey("key-1"))
        .get()
        .extracting(Sweeps.Sweep::id)
        .isEqualTo(id);
    assertThat(sweeps.find(id)).get().extracting(Sweeps.Sweep::requestHash).isEqualTo("hash");
    assertThat(sweeps.find(UUID.randomUUID())).isEmpty();

    UUID first = point(id, 0);
    UUID second = point(id, 1);
    steps.begin(first, 0, 1);
    steps.finish(
        first, 0, StepState.DONE, JSON.readTree("{\"reward_mean\": 0.25}"), JSON.readTree("{}"));
    steps.begin(first, 1, 2);
    steps.finish(
        first, 1, StepState.DONE, JSON.readTree("{\"reward_mean\": 0.5}"), JSON.readTree("{}"));
    // a step still running is not the final one
    steps.begin(first, 2, 3);
    steps.recordEval(first, 2, 3, JSON.readTree("{\"accuracy\": 0.75}"));

    List<Sweeps.PointRun> points = sweeps.points(id);
    assertThat(points).extracting(Sweeps.PointRun::id).containsExactly(first, second);
    assertThat(points.get(0).state()).isEqualTo(RunState.QUEUED);
    assertThat(JSON.readTree(points.get(0).lastStepMetrics()).get("reward_mean").asDouble())
        .isEqualTo(0.5);
    assertThat(JSON.readTree(points.get(0).lastEvalMetrics()).get("accuracy").asDouble())
        .isEqualTo(0.75);
    assertThat(points.get(1).lastStepMetrics()).isNull();
    assertThat(points.get(1).spec()).contains("\"seed\": 1");
  }
}
