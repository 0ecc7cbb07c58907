package dev.grpo.trainer.step;

import static dev.grpo.trainer.step.StepFixtures.inMemory;
import static dev.grpo.trainer.step.StepFixtures.items;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.api.rollout.RolloutRequest;
import dev.grpo.api.run.RunSpec;
import dev.grpo.ledger.dataset.DatasetItems.Item;
import dev.grpo.trainer.step.DynamicSampling.SampledGroups;
import dev.grpo.trainer.train.TrainingState;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The samples a step trains on under {@code rollout.maxStaleness}: which steps are asked for ahead,
 * with which minimum policy version, and what each kept group's staleness is.
 */
class RolloutPipelineTest {

  private static final List<Item> TRAIN = items("train", "a", "b", "c", "d", "e", "f", "g", "h");

  /** Samples differ within each group (rewards 1 and 0), so no group is degenerate. */
  private final FakeServices fake =
      FakeServices.scoringTextAsNumber((item, k) -> k == 0 ? "1" : "0");

  private static RunSpec spec(int maxStaleness) {
    return StepFixtures.spec(
        """
        {"algorithm": {"groupSize": 2, "rolloutCorrection": {"mode": "truncated_is"}},
         "rollout": {"maxStaleness": %d},
         "schedule": {"promptsPerStep": 2, "steps": 5},
         "rewards": [{"rule": "fake"}]}
        """
            .formatted(maxStaleness));
  }

  private RolloutPipeline pipeline(RunSpec spec) {
    return new RolloutPipeline(
        StepFixtures.RUN,
        new DynamicSampling(
            spec,
            inMemory(TRAIN),
            StepFixtures.rollouts(spec, fake),
            StepFixtures.scoring(spec, fake)),
        spec.rollout().maxStaleness(),
        spec.schedule().steps());
  }

  private List<Integer> stepsAsked() {
    synchronized (fake) {
      return fake.rollouts.stream().map(RolloutRequest::step).toList();
    }
  }

  private List<Long> versionsAsked() {
    synchronized (fake) {
      return fake.rollouts.stream().map(RolloutRequest::policyVersion).toList();
    }
  }

  private void awaitAsked(int requests) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (stepsAsked().size() < requests && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(stepsAsked()).hasSizeGreaterThanOrEqualTo(requests);
  }

  private static List<String> keys(SampledGroups s) {
    return s.kept().stream().map(g -> g.item().key()).toList();
  }

  @Test
  void synchronousStepsAreSampledWhenTakenWithTheCurrentPolicy() throws Exception {
    try (RolloutPipeline p = pipeline(spec(0))) {
      TrainingState s0 = TrainingState.start(42);
      SampledGroups first = p.take(s0, () -> {});
      Thread.sleep(100);
      // nothing is asked for ahead
      assertThat(stepsAsked()).containsExactly(0);
      SampledGroups second = p.take(s0.advance(first.consumed()), () -> {});

      assertThat(stepsAsked()).containsExactly(0, 1);
      assertThat(versionsAsked()).containsExactly(1L, 2L);
      assertThat(keys(second)).containsExactly("c", "d");
      assertThat(second.staleness()).containsExactly(0, 0);
    }
  }

  @Test
  void oneStepOffSamplesTheNextStepWhileThisOneTrainsFromTheSamePolicy() throws Exception {
    try (RolloutPipeline p = pipeline(spec(1))) {
      TrainingState s0 = TrainingState.start(42);
      AtomicInteger scoring = new AtomicInteger();
      SampledGroups first = p.take(s0, scoring::incrementAndGet);
      // step 1 is asked for before step 0's update is published: with the weights of version 1
      awaitAsked(2);
      assertThat(stepsAsked()).containsExactly(0, 1);
      assertThat(versionsAsked()).containsExactly(1L, 1L);

      TrainingState s1 = s0.advance(first.consumed());
      SampledGroups second = p.take(s1, scoring::incrementAndGet);
      // taken from what was sampled ahead (no new request for step 1), from the cursor after 0
      assertThat(keys(second)).containsExactly("c", "d");
      assertThat(second.trainVersion()).isEqualTo(2);
      assertThat(second.staleness()).containsExactly(1, 1);
      assertThat(scoring).hasValue(2);
      // and step 2 is on its way, no older than version 2
      awaitAsked(3);
      assertThat(stepsAsked()).containsExactly(0, 1, 2);
      assertThat(versionsAsked()).containsExactly(1L, 1L, 2L);
    }
  }

  @Test
  void twoStepsOffSamplesTwoStepsAheadEachNoOlderThanItsBound() throws Exception {
    try (RolloutPipeline p = pipeline(spec(2))) {
      TrainingState s0 = TrainingState.start(42);
      SampledGroups first = p.take(s0, () -> {});
      awaitAsked(3);
      // step u may lag 2 versions behind the u + 1 it updates
      assertThat(stepsAsked()).containsExactly(0, 1, 2);
      assertThat(versionsAsked()).containsExactly(1L, 1L, 1L);
      TrainingState s1 = s0.advance(first.consumed());
      SampledGroups second = p.take(s1, () -> {});
      TrainingState s2 = s1.advance(second.consumed());
      SampledGroups third = p.take(s2, () -> {});

      assertThat(second.staleness()).containsExactly(1, 1);
      assertThat(third.staleness()).containsExactly(2, 2);
      assertThat(keys(third)).containsExactly("e", "f");
      awaitAsked(5);
      assertThat(stepsAsked()).containsExactly(0, 1, 2, 3, 4);
      assertThat(versionsAsked()).containsExactly(1L, 1L, 1L, 2L, 3L);
      // step 4 is the run's last: nothing is asked for past it
      TrainingState s3 = s2.advance(third.consumed());
      SampledGroups fourth = p.take(s3, () -> {});
      p.take(s3.advance(fourth.consumed()), () -> {});
      Thread.sleep(100);
      assertThat(stepsAsked()).containsExactly(0, 1, 2, 3, 4);
    }
  }

  @Test
  void groupsStalerThanAllowedAreDroppedCountedAndRefilledFromFreshPrompts() {
    // a backend that still serves version 1 for prompt c, whatever is asked
    fake.servedVersion = (r, item) -> item.equals("c") ? 1L : r.policyVersion();
    try (RolloutPipeline p = pipeline(spec(1))) {
      // step 4 updates version 5 and may use samples of version 4, not 1
      SampledGroups s = p.take(new TrainingState(4, 42, 2), () -> {});

      assertThat(s.groupsStale()).isEqualTo(1);
      assertThat(keys(s)).containsExactly("d", "e");
      assertThat(s.staleness()).containsExactly(1, 1);
      assertThat(s.rounds()).isEqualTo(2);
    }
  }

  @Test
  void aFailureAheadSurfacesWhenItsStepIsTakenAndTheRetrySamplesAgain() throws Exception {
    fake.rolloutFailure =
        r -> r.step() == 1 && stepsAsked().size() == 2 ? new IllegalStateException("down") : null;
    try (RolloutPipeline p = pipeline(spec(1))) {
      TrainingState s0 = TrainingState.start(42);
      SampledGroups first = p.take(s0, () -> {});
      awaitAsked(2);
      TrainingState s1 = s0.advance(first.consumed());

      assertThatThrownBy(() -> p.take(s1, () -> {})).hasMessage("down");
      SampledGroups retried = p.take(s1, () -> {});

      assertThat(keys(retried)).containsExactly("c", "d");
      assertThat(stepsAsked()).startsWith(0, 1, 1);
    }
  }

  @Test
  void aStepTakenFromAnotherStateThanItWasSampledAheadFromIsSampledAgain() throws Exception {
    try (RolloutPipeline p = pipeline(spec(1))) {
      TrainingState s0 = TrainingState.start(42);
      p.take(s0, () -> {});
      awaitAsked(2);
      // a resume from a checkpoint whose cursor differs (not the state step 1 was sampled from)
      SampledGroups s = p.take(new TrainingState(1, 42, 6), () -> {});

      assertThat(keys(s)).containsExactly("g", "h");
      assertThat(stepsAsked()).startsWith(0, 1, 1);
    }
  }
}
