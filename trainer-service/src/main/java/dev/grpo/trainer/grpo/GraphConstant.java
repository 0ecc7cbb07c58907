package dev.grpo.trainer.grpo;

import ai.djl.ndarray.NDArray;

/**
 * Scalar constants that are safe to use inside the autograd graph.
 *
 * <p>DJL 0.35's PyTorch engine implements {@code mul(Number)}, {@code div(Number)}, {@code
 * minimum(Number)}, {@code pow(Number)}… by wrapping the number in a tensor that borrows a Java
 * direct buffer ({@code from_blob}) and closing it right after the op. Autograd keeps that tensor
 * for the backward pass (e.g. d(x·c)/dx needs c), so once the JVM collects the buffer the backward
 * pass reads freed memory: the gradients come out as garbage, intermittently, depending on GC
 * timing. We saw exactly that (a gradient of −2.8e300) before routing every constant on the
 * gradient path through here. The copy made here is owned by libtorch, not by a Java buffer.
 */
final class GraphConstant {

  private GraphConstant() {}

  /** A 0-d array holding {@code value} in the dtype and manager of {@code like}. */
  static NDArray of(NDArray like, double value) {
    try (NDArray borrowed = like.getManager().create(value)) {
      NDArray owned = borrowed.duplicate();
      return owned.toType(like.getDataType(), false);
    }
  }
}
