package dev.grpo.trainer.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradientClippingTest {

  /** Gradients (3, 4) and (12): global norm √(9 + 16 + 144) = 13. */
  private static List<NamedParameter> withGradients(NDManager manager) {
    NDArray a = manager.create(new double[] {0, 0});
    NDArray b = manager.create(new double[] {0});
    a.setRequiresGradient(true);
    b.setRequiresGradient(true);
    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      NDArray loss =
          a.mul(manager.create(new double[] {3, 4}))
              .sum()
              .add(b.mul(manager.create(new double[] {12})).sum());
      collector.backward(loss);
    }
    return List.of(new NamedParameter("a", a), new NamedParameter("b", b));
  }

  @Test
  void clipsToTheMaxNormAndReturnsThePreClipNorm() {
    try (NDManager manager = NDManager.newBaseManager()) {
      List<NamedParameter> params = withGradients(manager);
      assertThat(GradientClipping.globalNorm(params)).isEqualTo(13.0);
      double norm = GradientClipping.clipByGlobalNorm(params, 6.5);
      assertThat(norm).isEqualTo(13.0);
      double coefficient = 6.5 / (13.0 + 1e-6);
      assertThat(params.get(0).array().getGradient().toDoubleArray())
          .containsExactly(3 * coefficient, 4 * coefficient);
      assertThat(params.get(1).array().getGradient().toDoubleArray())
          .containsExactly(12 * coefficient);
      assertThat(GradientClipping.globalNorm(params)).isCloseTo(6.5, offset(1e-6));
    }
  }

  @Test
  void leavesGradientsAloneBelowTheThreshold() {
    try (NDManager manager = NDManager.newBaseManager()) {
      List<NamedParameter> params = withGradients(manager);
      assertThat(GradientClipping.clipByGlobalNorm(params, 13.5)).isEqualTo(13.0);
      assertThat(params.get(0).array().getGradient().toDoubleArray()).containsExactly(3.0, 4.0);
      assertThat(params.get(1).array().getGradient().toDoubleArray()).containsExactly(12.0);
    }
  }

  @Test
  void zeroGradientsResetsAccumulation() {
    try (NDManager manager = NDManager.newBaseManager()) {
      List<NamedParameter> params = withGradients(manager);
      AdamW.zeroGradients(params);
      assertThat(GradientClipping.globalNorm(params)).isZero();
    }
  }
}
