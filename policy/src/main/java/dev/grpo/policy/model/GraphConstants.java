package dev.grpo.policy.model;

import ai.djl.ndarray.NDArray;

/**
 * Scalar constants that are safe to use inside the autograd graph.
 *
 * <p>DJL 0.35.1's PyTorch engine implements {@code add/sub/mul/div/minimum/maximum/pow(Number)} by
 * wrapping the number in a tensor that borrows a Java direct buffer ({@code torch::from_blob}) and
 * closing that tensor right after the op. Autograd keeps the scalar for the backward pass
 * (d(x·c)/dx needs c, d(x^c)/dx needs c, ...), so once the JVM collects or reuses the buffer the
 * backward pass reads freed memory and the gradients come out as garbage (tiny, huge, or −2.8e300),
 * depending on GC timing. The array returned here is a copy owned by libtorch, so autograd may keep
 * it as long as it likes.
 *
 * <p>Use {@code x.mul(GraphConstants.constant(x, c))} instead of {@code x.mul(c)} wherever {@code
 * x} may require a gradient. Ops on arrays that never require a gradient (masks, indices, sampling,
 * optimiser updates) may keep {@code op(Number)}. Arrays made with {@code NDManager.create(float[]
 * ...)} borrow a Java buffer too, but stay valid while that array is open: keep them open until
 * after backward.
 */
public final class GraphConstants {

  private GraphConstants() {}

  /**
   * A 0-d array holding {@code value} in the data type and on the device of {@code like}, attached
   * to {@code like}'s manager and owned by libtorch (not by a Java buffer).
   */
  public static NDArray constant(NDArray like, double value) {
    NDArray owned;
    try (NDArray borrowed = like.getManager().create(value)) {
      // duplicate() allocates with torch::empty and copies: libtorch owns the result. (toDevice or
      // toType without a change may return an alias of the borrowed buffer, so they come after.)
      owned = borrowed.duplicate();
    }
    if (!owned.getDevice().equals(like.getDevice())) {
      owned = replace(owned, owned.toDevice(like.getDevice(), true));
    }
    if (owned.getDataType() != like.getDataType()) {
      owned = replace(owned, owned.toType(like.getDataType(), true));
    }
    return owned;
  }

  private static NDArray replace(NDArray old, NDArray replacement) {
    old.close();
    return replacement;
  }
}
