package dev.grpo.trainer.step;

import static dev.grpo.trainer.step.StepFixtures.inMemory;
import static dev.grpo.trainer.step.StepFixtures.items;
import static dev.grpo.trainer.step.StepFixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.grpo.api.run.RunSpec;
import dev.grpo.ledger.dataset.DatasetItems.Item;
import dev.grpo.trainer.step.DynamicSampling.SampledGroups;
import dev.grpo.trainer.train.TrainingState;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DynamicSamplingTest {

  /** a's samples agree (reward 1, 1); b, c and d's differ. */
  private static final Map<String, String[]> TEXTS =
      Map.of(
          "a", new String[] {"1", "1"},
          "b", new String[] {"0", "1"},
          "c", new String[] {"1", "0"},
          "d", new String[] {"0", "1"});

  private static final List<Item> TRAIN = items("train", "a", "b", "c", "d");

  private final FakeServices fake =
      FakeServices.scoringTextAsNumber((item, k) -> TEXTS.get(item)[k]);

  private static RunSpec spec(boolean dynamic, int refills) {
    return StepFixtures.spec(
        """
        {"algorithm": {"groupSize": 2,
                       "dynamicSampling": {"enabled": %s, "maxRefillRounds": %d}},
         "schedule": {"promptsPerStep": 2},
         "rewards": [{"rule": "fake"}]}
        """
            .formatted(dynamic, refills));
  }

  private SampledGroups sample(RunSpec spec, TrainingState state, List<Item> train) {
    DynamicSampling sampling =
        new DynamicSampling(
            spec,
            inMemory(train),
            StepFixtures.rollouts(spec, fake),
            StepFixtures.scoring(spec, fake));
    return sampling.sample(3, state, () -> {});
  }

  private static List<String> keys(SampledGroups s) {
    return s.kept().stream().map(g -> g.item().key()).toList();
  }

  @Test
  void dropsAGroupWhoseRewardsAgreeAndRefillsFromTheCursor() {
    SampledGroups s = sample(spec(true, 3), TrainingState.start(42), TRAIN);

    assertThat(keys(s)).containsExactly("b", "c");
    assertThat(s.groupsSampled()).isEqualTo(3);
    assertThat(s.groupsDropped()).isEqualTo(1);
    assertThat(s.rounds()).isEqualTo(2);
    assertThat(s.consumed()).isEqualTo(3);
    // round 1 asks for a and b, round 2 for the one prompt missing, with the next seed
    assertThat(fake.rollouts).hasSize(2);
    assertThat(fake.rollouts.get(0).prompts())
        .extracting(p -> p.itemId())
        .containsExactly("a", "b");
    assertThat(fake.rollouts.get(1).prompts()).extracting(p -> p.itemId()).containsExactly("c");
    long seed = TrainingState.start(42).seedForStep();
    assertThat(fake.rollouts.get(0).sampling().seed()).isEqualTo(seed);
    assertThat(fake.rollouts.get(1).sampling().seed()).isEqualTo(seed + 1);
    // rule tallies over both rounds: six completions, rewards 1+1+0+1+1+0
    assertThat(s.rules().get("fake").ok()).isEqualTo(6);
    assertThat(s.rules().get("fake").mean()).isCloseTo(4.0 / 6, within(1e-12));
  }

  @Test
  void outOfRefillRoundsTheBatchIsToppedUpWithTheDroppedGroups() {
    FakeServices agreeing = FakeServices.scoringTextAsNumber((item, k) -> "1");
    RunSpec spec = spec(true, 1);
    DynamicSampling sampling =
        new DynamicSampling(
            spec,
            inMemory(TRAIN),
            StepFixtures.rollouts(spec, agreeing),
            StepFixtures.scoring(spec, agreeing));

    SampledGroups s = sampling.sample(0, TrainingState.start(42), () -> {});

    // two rounds (1 + 1 refill) sample a, b then c, d; all four are dropped; a, b fill the batch
    assertThat(keys(s)).containsExactly("a", "b");
    assertThat(s.rounds()).isEqualTo(2);
    assertThat(s.groupsSampled()).isEqualTo(4);
    assertThat(s.groupsDropped()).isEqualTo(4);
    assertThat(s.consumed()).isEqualTo(4);
  }

  @Test
  void switchedOffItKeepsTheGroupsWhoseRewardsAgree() {
    SampledGroups s = sample(spec(false, 3), TrainingState.start(42), TRAIN);

    assertThat(keys(s)).containsExactly("a", "b");
    assertThat(s.groupsDropped()).isZero();
    assertThat(s.rounds()).isEqualTo(1);
    assertThat(s.consumed()).isEqualTo(2);
  }

  @Test
  void theCursorWrapsAroundTheEndOfTheSplitAndRunsOnlyOnce() {
    AtomicInteger scoringStarted = new AtomicInteger();
    RunSpec spec = spec(true, 5);
    DynamicSampling sampling =
        new DynamicSampling(
            spec,
            inMemory(TRAIN),
            StepFixtures.rollouts(spec, fake),
            StepFixtures.scoring(spec, fake));

    // cursor at d: d, then wrap to a (dropped), b
    SampledGroups s =
        sampling.sample(0, new TrainingState(0, 42, 3), scoringStarted::incrementAndGet);

    assertThat(keys(s)).containsExactly("d", "b");
    assertThat(s.consumed()).isEqualTo(3);
    assertThat(scoringStarted).hasValue(1);
  }
}
