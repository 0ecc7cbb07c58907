package dev.grpo.trainer.grpo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

/** The edges the reference grid does not reach: padding, empty masks, invalid corrections. */
class MismatchCorrectionTest {

  @Test
  void whatPaddingHoldsNeverReachesTheMetrics() {
    try (NDManager m = NDManager.newBaseManager()) {
      // row 0: two valid tokens at r = e^0.5 and e^-0.5, then padding holding -inf and 0
      NDArray old = m.create(new double[][] {{-1.0, -2.0, Double.NEGATIVE_INFINITY}});
      NDArray rollout = m.create(new double[][] {{-1.5, -1.5, 0.0}});
      NDArray mask = m.create(new double[][] {{1, 1, 0}});

      RolloutMismatch r =
          MismatchCorrection.apply(RolloutCorrection.maskSequences(0.5, 2, 3), old, rollout, mask)
              .mismatch();

      assertThat(r.klK1()).isCloseTo(0.0, offset(1e-15));
      double k3 = ((Math.exp(0.5) - 1 - 0.5) + (Math.exp(-0.5) - 1 + 0.5)) / 2;
      assertThat(r.klK3()).isCloseTo(k3, offset(1e-15));
      assertThat(r.isWeightMean()).isCloseTo(Math.cosh(0.5), offset(1e-15));
      assertThat(r.isWeightMax()).isCloseTo(Math.exp(0.5), offset(1e-15));
      assertThat(r.maskedFraction()).isZero();
    }
  }

  @Test
  void anEmptyMaskMeasuresNothing() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray zeros =
          m.zeros(new ai.djl.ndarray.types.Shape(2, 3), ai.djl.ndarray.types.DataType.FLOAT64);
      RolloutMismatch r =
          MismatchCorrection.apply(RolloutCorrection.truncated(2), zeros, zeros, zeros).mismatch();
      assertThat(r.klK1()).isNaN();
      assertThat(r.isWeightMax()).isNaN();
      assertThat(r.maskedFraction()).isZero();
    }
  }

  @Test
  void correctionsOutsideTheirDefinitionAreRefused() {
    assertThatThrownBy(() -> RolloutCorrection.truncated(1.0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RolloutCorrection.maskTokens(1.0, 1.0, Double.NaN))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RolloutCorrection.maskSequences(0.5, 2, 0.9))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> new RolloutCorrection(RolloutCorrection.Mode.TRUNCATED_IS, 2, 0.5, Double.NaN))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aCorrectionWithoutRolloutLogProbsIsAnError() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray logp = m.create(new float[][] {{-1f, -2f}});
      GrpoBatch batch =
          GrpoBatch.of(
              logp,
              null,
              null,
              m.create(new float[] {1f}),
              m.ones(logp.getShape()),
              m.zeros(new ai.djl.ndarray.types.Shape(1)));
      GrpoConfig config =
          GrpoConfig.builder().rolloutCorrection(RolloutCorrection.truncated(2)).build();
      assertThatThrownBy(() -> GrpoObjective.compute(batch, config))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("rollout's log-probs");
    }
  }
}
