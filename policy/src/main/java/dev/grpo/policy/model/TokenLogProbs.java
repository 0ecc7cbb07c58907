package dev.grpo.policy.model;

import ai.djl.ndarray.NDArray;

/**
 * Per-token statistics of completions under the model, all (batch, maxCompletionLength) float32 and
 * zero where {@code mask} is zero. Column {@code j} of row {@code i} is completion token {@code j}
 * of sequence {@code i}. They stay connected to the autograd graph when computed inside a {@code
 * GradientCollector}.
 *
 * @param logProbs log-probability of each completion token
 * @param entropy entropy of the model's next-token distribution at each completion token
 * @param mask 1 for real completion tokens, 0 for padding
 */
public record TokenLogProbs(NDArray logProbs, NDArray entropy, NDArray mask) {

  /** Log-probabilities of row {@code i}, without padding. */
  public float[] logProbs(int i) {
    return row(logProbs, i);
  }

  /** Entropies of row {@code i}, without padding. */
  public float[] entropy(int i) {
    return row(entropy, i);
  }

  private float[] row(NDArray array, int i) {
    float[] values = array.get(i).toFloatArray();
    float[] m = mask.get(i).toFloatArray();
    int n = 0;
    while (n < m.length && m[n] > 0) {
      n++;
    }
    return java.util.Arrays.copyOf(values, n);
  }
}
