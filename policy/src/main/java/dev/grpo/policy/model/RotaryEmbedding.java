package dev.grpo.policy.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;

/**
 * Rotary position embeddings in the Hugging Face Llama convention: frequencies {@code
 * theta^(-2i/d)} for {@code i < d/2}, duplicated over both halves of the head, and {@code
 * rotate_half(x) = cat(-x2, x1)}.
 */
public final class RotaryEmbedding {

  private final float[] inverseFrequencies;

  /**
   * @param headDim size of one attention head (even)
   * @param theta base of the frequencies ({@code rope_theta})
   */
  public RotaryEmbedding(int headDim, double theta) {
    if (headDim % 2 != 0) {
      throw new IllegalArgumentException("head dimension must be even: " + headDim);
    }
    inverseFrequencies = new float[headDim / 2];
    for (int i = 0; i < inverseFrequencies.length; i++) {
      inverseFrequencies[i] = (float) (1.0 / Math.pow(theta, (2.0 * i) / headDim));
    }
  }

  /** The inverse frequencies, one per pair of rotated dimensions. */
  public float[] inverseFrequencies() {
    return inverseFrequencies.clone();
  }

  /**
   * Cosine and sine tables for the given positions.
   *
   * @param positionIds (batch, time) integer positions
   * @return {cos, sin}, each (batch, 1, time, headDim) float32, in the manager of {@code
   *     positionIds}
   */
  public NDArray[] cosSin(NDArray positionIds) {
    NDArray inv = positionIds.getManager().create(inverseFrequencies);
    NDArray freqs = positionIds.toType(DataType.FLOAT32, false).expandDims(-1).mul(inv);
    NDArray emb = freqs.concat(freqs, -1).expandDims(1);
    return new NDArray[] {emb.cos(), emb.sin()};
  }

  /**
   * Rotates queries or keys.
   *
   * @param x (batch, heads, time, headDim)
   * @param cos from {@link #cosSin}
   * @param sin from {@link #cosSin}
   */
  public static NDArray apply(NDArray x, NDArray cos, NDArray sin) {
    return x.mul(cos).add(rotateHalf(x).mul(sin));
  }

  static NDArray rotateHalf(NDArray x) {
    NDList halves = x.split(2, x.getShape().dimension() - 1);
    return NDArrays.concat(new NDList(halves.get(1).neg(), halves.get(0)), -1);
  }
}
