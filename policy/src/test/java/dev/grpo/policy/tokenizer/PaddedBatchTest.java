package dev.grpo.policy.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PaddedBatchTest {

  @Test
  void padsOnTheLeftAndMasksThePadding() {
    PaddedBatch batch =
        PaddedBatch.leftPad(List.of(new int[] {5, 6}, new int[] {7, 8, 9, 10}, new int[0]), 99);
    assertThat(batch.ids())
        .isDeepEqualTo(new int[][] {{99, 99, 5, 6}, {7, 8, 9, 10}, {99, 99, 99, 99}});
    assertThat(batch.attentionMask())
        .isDeepEqualTo(new int[][] {{0, 0, 1, 1}, {1, 1, 1, 1}, {0, 0, 0, 0}});
    assertThat(batch.length(0)).isEqualTo(2);
    assertThat(batch.length(2)).isZero();
  }

  @Test
  void anEmptyBatchHasNoRows() {
    assertThat(PaddedBatch.leftPad(List.of(), 0).ids()).isEmpty();
  }
}
