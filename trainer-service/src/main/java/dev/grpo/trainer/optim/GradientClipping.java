package dev.grpo.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.List;

/** Gradient clipping by the global L2 norm, with torch {@code clip_grad_norm_} semantics. */
public final class GradientClipping {

  private GradientClipping() {}

  /** L2 norm over every gradient, as if all were concatenated into one vector. */
  public static double globalNorm(List<NamedParameter> parameters) {
    double squares = 0;
    for (NamedParameter p : parameters) {
      // Intermediates are created in the manager of the array they derive from, so the gradient
      // handle is moved into a scope that frees them all (the gradient itself lives on in the
      // parameter).
      try (NDManager scope = p.array().getManager().newSubManager()) {
        NDArray grad = p.array().getGradient();
        grad.attach(scope);
        squares += grad.toType(DataType.FLOAT64, false).square().sum().getDouble();
      }
    }
    return Math.sqrt(squares);
  }

  /**
   * Scales every gradient in place by {@code min(1, maxNorm / (norm + 1e-6))} and returns the norm
   * measured before clipping. Like torch (with {@code error_if_nonfinite=False}), a NaN or infinite
   * norm is returned and propagates into the gradients rather than raising, so the caller can see
   * and skip the step.
   */
  public static double clipByGlobalNorm(List<NamedParameter> parameters, double maxNorm) {
    double norm = globalNorm(parameters);
    double coefficient = maxNorm / (norm + 1e-6);
    // torch multiplies by clamp(coef, max=1); multiplying by exactly 1 is a no-op, so skip it.
    if (!(coefficient >= 1.0)) {
      for (NamedParameter p : parameters) {
        try (NDManager scope = p.array().getManager().newSubManager()) {
          NDArray grad = p.array().getGradient();
          grad.attach(scope);
          grad.muli(coefficient);
        }
      }
    }
    return norm;
  }
}
