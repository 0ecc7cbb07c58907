package dev.grpo.policy.sampling;

import java.util.Arrays;
import java.util.Random;

/**
 * Picks the next token of one sequence from its row of logits on the host, in double precision:
 * temperature, then top-k, then top-p (vLLM's order), then one draw from the sample's own random
 * stream. Only the last position's logits of the active rows reach the host, one small copy per
 * step.
 */
final class TokenSelector {

  /** Vocabulary ids must fit in the low bits of the sort keys. */
  private static final int INDEX_BITS = 21;

  private final float temperature;
  private final int topK;
  private final float topP;
  private final LogprobMode logprobMode;
  private long[] sortKeys = new long[0];

  /** The chosen token and the log-probability to report for it. */
  record Choice(int token, float logProb) {}

  TokenSelector(SamplingParams params) {
    this.temperature = params.temperature();
    this.topK = params.topK();
    this.topP = params.topP();
    this.logprobMode = params.logprobMode();
  }

  Choice choose(float[] logits, int offset, int vocab, Random random) {
    if (vocab >= 1 << INDEX_BITS) {
      throw new IllegalArgumentException("vocabulary too large: " + vocab);
    }
    boolean greedy = temperature == 0f;
    double invTemperature = greedy ? 1.0 : 1.0 / temperature;
    int best = 0;
    for (int v = 1; v < vocab; v++) {
      if (logits[offset + v] > logits[offset + best]) {
        best = v;
      }
    }
    double max = logits[offset + best] * invTemperature;
    double sum = 0;
    for (int v = 0; v < vocab; v++) {
      sum += Math.exp(logits[offset + v] * invTemperature - max);
    }
    // log of the full-vocabulary normaliser of softmax(logits / T): the RAW log-probs use it.
    double logZ = max + Math.log(sum);
    if (greedy) {
      return choice(best, logits[offset + best] * invTemperature - logZ, 0.0);
    }
    boolean truncate = (topK > 0 && topK < vocab) || topP < 1f;
    if (!truncate) {
      double u = random.nextDouble();
      double cumulative = 0;
      int token = best;
      for (int v = 0; v < vocab; v++) {
        cumulative += Math.exp(logits[offset + v] * invTemperature - logZ);
        if (u < cumulative) {
          token = v;
          break;
        }
      }
      double raw = logits[offset + token] * invTemperature - logZ;
      return choice(token, raw, raw);
    }
    int[] order = sortedDescending(logits, offset, vocab);
    int kept = topK > 0 ? Math.min(topK, vocab) : vocab;
    // Probabilities renormalised over the top-k, then the smallest prefix reaching top-p.
    double topKMass = 0;
    for (int i = 0; i < kept; i++) {
      topKMass += Math.exp(logits[offset + order[i]] * invTemperature - max);
    }
    if (topP < 1f) {
      double cumulative = 0;
      int nucleus = 0;
      while (nucleus < kept) {
        cumulative += Math.exp(logits[offset + order[nucleus]] * invTemperature - max) / topKMass;
        nucleus++;
        if (cumulative >= topP) {
          break;
        }
      }
      kept = nucleus;
    }
    double keptMass = 0;
    for (int i = 0; i < kept; i++) {
      keptMass += Math.exp(logits[offset + order[i]] * invTemperature - max);
    }
    double u = random.nextDouble() * keptMass;
    int token = order[kept - 1];
    for (int i = 0; i < kept; i++) {
      u -= Math.exp(logits[offset + order[i]] * invTemperature - max);
      if (u < 0) {
        token = order[i];
        break;
      }
    }
    double raw = logits[offset + token] * invTemperature - logZ;
    double processed = logits[offset + token] * invTemperature - max - Math.log(keptMass);
    return choice(token, raw, processed);
  }

  private Choice choice(int token, double raw, double processed) {
    return new Choice(token, (float) (logprobMode == LogprobMode.RAW ? raw : processed));
  }

  /**
   * Token ids by decreasing logit, ties by increasing id, with one primitive sort: each key packs
   * an order-preserving transform of the float bits above the id.
   */
  private int[] sortedDescending(float[] logits, int offset, int vocab) {
    if (sortKeys.length < vocab) {
      sortKeys = new long[vocab];
    }
    for (int v = 0; v < vocab; v++) {
      int bits = Float.floatToIntBits(logits[offset + v]);
      int ascending = bits ^ ((bits >> 31) & 0x7fffffff);
      long descending = (long) Integer.MAX_VALUE - ascending; // 0 .. 2^32 - 1
      sortKeys[v] = (descending << INDEX_BITS) | v;
    }
    Arrays.sort(sortKeys, 0, vocab);
    int[] order = new int[vocab];
    long mask = (1L << INDEX_BITS) - 1;
    for (int i = 0; i < vocab; i++) {
      order[i] = (int) (sortKeys[i] & mask);
    }
    return order;
  }
}
