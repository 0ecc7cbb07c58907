package dev.grpo.trainer.grpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import org.junit.jupiter.api.Test;

/** Hand-worked cases; the full option grid is in {@link GrpoReferenceTest}. */
class GroupAdvantagesTest {

  private static final double EPS = 1e-4;

  @Test
  void groupScalingUsesBesselCorrectedStd() {
    // mean 2, unbiased std 1
    double[] a = GroupAdvantages.compute(new double[] {1, 2, 3}, 3, RewardScaling.GROUP, EPS);
    assertThat(a).containsExactly(-1 / (1 + EPS), 0, 1 / (1 + EPS));
  }

  @Test
  void unscorableSamplesGetZeroAndAreLeftOutOfTheStatistics() {
    // scorable [1, 3, 5]: mean 3, std 2
    double[] a =
        GroupAdvantages.compute(new double[] {1, Double.NaN, 3, 5}, 4, RewardScaling.GROUP, EPS);
    assertThat(a).containsExactly(-2 / (2 + EPS), 0, 0, 2 / (2 + EPS));
    // a lone scorable sample has no spread: advantage 0, like TRL
    assertThat(GroupAdvantages.compute(new double[] {Double.NaN, 5}, 2, RewardScaling.GROUP, EPS))
        .containsExactly(0, 0);
    assertThat(
            GroupAdvantages.compute(
                new double[] {Double.NaN, Double.NaN}, 2, RewardScaling.NONE, EPS))
        .containsExactly(0, 0);
  }

  @Test
  void batchScalingDividesGroupCentredRewardsByTheBatchStd() {
    // group means 1 and 12; batch [0,2,10,14]: mean 6.5, Σd² = 131, std = √(131/3)
    double std = Math.sqrt(131.0 / 3.0);
    double[] a = GroupAdvantages.compute(new double[] {0, 2, 10, 14}, 2, RewardScaling.BATCH, EPS);
    assertThat(a[0]).isCloseTo(-1 / (std + EPS), offset(1e-15));
    assertThat(a[1]).isCloseTo(1 / (std + EPS), offset(1e-15));
    assertThat(a[2]).isCloseTo(-2 / (std + EPS), offset(1e-15));
    assertThat(a[3]).isCloseTo(2 / (std + EPS), offset(1e-15));
  }

  @Test
  void noneOnlySubtractsTheGroupMean() {
    assertThat(GroupAdvantages.compute(new double[] {0, 2, 10, 14}, 2, RewardScaling.NONE, EPS))
        .containsExactly(-1, 1, -2, 2);
  }

  @Test
  void equalRewardsGiveExactlyZeroForEveryScaling() {
    // 0.1 and 0.7 are not representable: a naive Σr/n mean would leave a residue of 1 ulp.
    double[] rewards = {0.1, 0.1, 0.1, 0.7, 0.7, 0.7};
    for (RewardScaling scaling : RewardScaling.values()) {
      for (double a : GroupAdvantages.compute(rewards, 3, scaling, EPS)) {
        assertThat(a).as(scaling.name()).isEqualTo(0.0);
      }
    }
  }

  @Test
  void ndArrayAndFloatOverloadsAgree() {
    float[] rewards = {1f, 0f, 0.5f, 0.25f};
    float[] expected = GroupAdvantages.compute(rewards, 2, RewardScaling.GROUP, EPS);
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray a = GroupAdvantages.compute(manager.create(rewards), 2, RewardScaling.GROUP, EPS);
      assertThat(a.getDataType()).isEqualTo(DataType.FLOAT32);
      assertThat(a.toFloatArray()).containsExactly(expected);
    }
    assertThat(expected[0]).isCloseTo((float) (0.5 / (Math.sqrt(0.5) + EPS)), offset(1e-6f));
  }

  @Test
  void rejectsRewardsThatDoNotFillWholeGroups() {
    assertThatThrownBy(
            () -> GroupAdvantages.compute(new double[] {1, 2, 3}, 2, RewardScaling.GROUP, EPS))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
