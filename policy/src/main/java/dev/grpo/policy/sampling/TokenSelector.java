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
    int[] order = candidatesDescending(logits, offset, vocab, invTemperature, max, sum);
    int kept = Math.min(topK > 0 ? Math.min(topK, vocab) : vocab, order.length);
    // Probabilities renormalised over the top-k, then the smallest prefix reaching top-p.
    double topKMass = 0;
    if (topK > 0 && topK < vocab) {
      for (int i = 0; i < kept; i++) {
        topKMass += Math.exp(logits[offset + order[i]] * invTemperature - max);
      }
    } else {
      topKMass = sum;
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
   * The most likely tokens, by decreasing logit: enough of them to hold the top-k set, or (without
   * top-k) the top-p nucleus. Sorting a 150k vocabulary for every row and step would cost more than
   * the model step, so only tokens within {@code margin} of the best scaled logit are sorted, the
   * margin widening until the candidates provably contain the kept set: all of the top-k when at
   * least k tokens are in, or the nucleus when their mass reaches top-p (every token outside ranks
   * below every candidate).
   */
  int[] candidatesDescending(
      float[] logits, int offset, int vocab, double invTemperature, double max, double sum) {
    int[] candidates = new int[Math.min(vocab, 64)];
    for (double margin = 8; margin < 4096; margin *= 2) {
      int count = 0;
      double mass = 0;
      double threshold = max - margin;
      for (int v = 0; v < vocab; v++) {
        double scaled = logits[offset + v] * invTemperature;
        if (scaled >= threshold) {
          if (count == candidates.length) {
            candidates = Arrays.copyOf(candidates, Math.min(vocab, count * 2));
          }
          candidates[count++] = v;
          mass += Math.exp(scaled - max);
        }
      }
      if (count == vocab) {
        break;
      }
      boolean enough = topK > 0 && topK < vocab ? count >= topK : mass >= topP * sum;
      if (enough) {
        return sortedDescending(logits, offset, candidates, count);
      }
    }
    int[] all = new int[vocab];
    for (int v = 0; v < vocab; v++) {
      all[v] = v;
    }
    return sortedDescending(logits, offset, all, vocab);
  }

  /**
   * Token ids by decreasing logit, ties by increasing id, with one primitive sort: each key packs
   * an order-preserving transform of the float bits above the id.
   */
  private int[] sortedDescending(float[] logits, int offset, int[] ids, int count) {
    if (sortKeys.length < count) {
      sortKeys = new long[count];
    }
    for (int i = 0; i < count; i++) {
      int v = ids[i];
      int bits = Float.floatToIntBits(logits[offset + v]);
      int ascending = bits ^ ((bits >> 31) & 0x7fffffff);
      long descending = (long) Integer.MAX_VALUE - ascending; // 0 .. 2^32 - 1
      sortKeys[i] = (descending << INDEX_BITS) | v;
    }
    Arrays.sort(sortKeys, 0, count);
    int[] order = new int[count];
    long mask = (1L << INDEX_BITS) - 1;
    for (int i = 0; i < count; i++) {
      order[i] = (int) (sortKeys[i] & mask);
    }
    return order;
  }
}
