package dev.grpo.trainer.step;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.api.rollout.RolloutResponse.Sample;
import dev.grpo.ledger.dataset.DatasetItems.Item;
import dev.grpo.trainer.step.StepAssembly.StepBatch;
import java.util.List;
import org.junit.jupiter.api.Test;

class StepAssemblyTest {

  private static Sample sample(int index, int tokens, String finish) {
    return new Sample(index, "x", new int[tokens], new float[tokens], finish, 1, "fake", index);
  }

  private static ScoredGroup group(String key, double[] rewards, Sample... samples) {
    Item item = new Item(key, "train", 0, key, null, null, null, null);
    return new ScoredGroup(item, new int[] {1, 2}, List.of(samples), rewards);
  }

  @Test
  void laysGroupsOutPromptMajorAndMeasuresTheBatch() {
    List<ScoredGroup> groups =
        List.of(
            group("a", new double[] {1, 0}, sample(0, 3, "stop"), sample(1, 8, "length")),
            group("b", new double[] {0.5, 0.5}, sample(0, 4, "stop"), sample(1, 5, "stop")));

    StepBatch b = StepAssembly.assemble(groups, 2);

    assertThat(b.batch().groupSize()).isEqualTo(2);
    assertThat(b.batch().prompts()).hasSize(2);
    assertThat(b.rewards()).containsExactly(1, 0, 0.5, 0.5);
    assertThat(b.batch().truncated()).containsExactly(false, true, false, false);
    assertThat(b.batch().completions()).extracting(c -> c.length).containsExactly(3, 8, 4, 5);
    assertThat(b.prompts()).isEqualTo(2);
    assertThat(b.completions()).isEqualTo(4);
    assertThat(b.lengthMean()).isEqualTo(5.0); // (3 + 8 + 4 + 5) / 4
    assertThat(b.lengthMax()).isEqualTo(8);
    assertThat(b.clippedRatio()).isEqualTo(0.25);
    assertThat(b.zeroStdGroups()).isEqualTo(1); // b: 0.5, 0.5
    assertThat(b.zeroStdFraction()).isEqualTo(0.5);
  }

  @Test
  void aGroupWhoseOnlyScoredRewardsAgreeHasZeroStd() {
    ScoredGroup g = group("a", new double[] {Double.NaN, 1, 1}, sample(0, 1, "stop"));
    ScoredGroup h = group("b", new double[] {Double.NaN, 1, 0}, sample(0, 1, "stop"));

    assertThat(g.degenerate()).isTrue();
    assertThat(h.degenerate()).isFalse();
  }
}
