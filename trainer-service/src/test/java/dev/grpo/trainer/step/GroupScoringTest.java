package dev.grpo.trainer.step;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.api.rollout.RolloutResponse;
import dev.grpo.api.run.RunSpec;
import dev.grpo.ledger.dataset.DatasetItems.Item;
import dev.grpo.trainer.step.GroupScoring.ScoredRound;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GroupScoringTest {

  private static RunSpec spec(int groupSize) {
    return StepFixtures.spec(
        """
        {"algorithm": {"groupSize": %d}, "rewards": [{"rule": "fake", "weight": 2.0}],
         "data": {"promptTemplate": "Q: {prompt}"}, "rollout": {"maxTokens": 32}}
        """
            .formatted(groupSize));
  }

  @Test
  void cutsTheWeightedRewardsBackIntoOneGroupPerPrompt() {
    RunSpec spec = spec(3);
    FakeServices fake = FakeServices.scoringTextAsNumber((item, k) -> Integer.toString(k));
    List<Item> items = StepFixtures.items("train", "a", "b");
    RolloutResponse rollout = StepFixtures.rollouts(spec, fake).sample(0, 1, items, 3, 7L);

    ScoredRound round = StepFixtures.scoring(spec, fake).score(items, rollout);

    assertThat(round.groups()).extracting(g -> g.item().key()).containsExactly("a", "b");
    // weight 2 times the sample index
    assertThat(round.groups().get(0).rewards()).containsExactly(0, 2, 4);
    assertThat(round.groups().get(1).rewards()).containsExactly(0, 2, 4);
    assertThat(round.rewards().rules().get("fake").ok()).isEqualTo(6);
    // what the reward service is told about each completion
    var first = fake.scores.get(0).items().get(0);
    assertThat(first.prompt()).isEqualTo("Q: p-a");
    assertThat(first.reference().answer()).isEqualTo("1");
    assertThat(first.maxTokens()).isEqualTo(32);
    assertThat(first.groupId()).isEqualTo("a");
    assertThat(first.id()).isEqualTo(Long.toString(first.completionId()));
  }

  @Test
  void scoresInRequestsOfWholeGroupsOfAtMost1024Items() {
    RunSpec spec = spec(3);
    FakeServices fake = FakeServices.scoringTextAsNumber((item, k) -> "1");
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 342; i++) {
      keys.add("i" + i);
    }
    List<Item> items = StepFixtures.items("train", keys.toArray(String[]::new));
    RolloutResponse rollout = StepFixtures.rollouts(spec, fake).sample(0, 1, items, 3, 7L);

    ScoredRound round = StepFixtures.scoring(spec, fake).score(items, rollout);

    // 342 groups of 3 = 1,026 items: 341 whole groups (1,023 items), then the last group
    assertThat(fake.scores).extracting(r -> r.items().size()).containsExactly(1023, 3);
    assertThat(round.groups()).hasSize(342);
  }

  @Test
  void refusesARolloutThatAnswersAnotherItem() {
    RunSpec spec = spec(2);
    FakeServices fake = FakeServices.scoringTextAsNumber((item, k) -> "1");
    RolloutResponse rollout =
        StepFixtures.rollouts(spec, fake).sample(0, 1, StepFixtures.items("train", "x"), 2, 7L);

    assertThatThrownBy(
            () -> StepFixtures.scoring(spec, fake).score(StepFixtures.items("train", "a"), rollout))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("rollout answered item x where a was asked");
  }
}
