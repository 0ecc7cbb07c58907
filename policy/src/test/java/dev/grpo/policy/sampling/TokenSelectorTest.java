package dev.grpo.policy.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TokenSelectorTest {

  private static final float[] LOGITS = {
    (float) Math.log(0.2), (float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(1e-9)
  };

  @Test
  void topPKeepsTheSmallestPrefixReachingP() {
    SamplingParams p =
        SamplingParams.builder().topP(0.6f).logprobMode(LogprobMode.PROCESSED).build();
    TokenSelector selector = new TokenSelector(p);
    Random random = new Random(1);
    int[] counts = new int[4];
    for (int i = 0; i < 4000; i++) {
      TokenSelector.Choice c = selector.choose(LOGITS, 0, 4, random);
      counts[c.token()]++;
      double expected = c.token() == 1 ? Math.log(0.5 / 0.8) : Math.log(0.3 / 0.8);
      assertThat((double) c.logProb()).isCloseTo(expected, within(1e-5));
    }
    assertThat(counts[0]).isZero();
    assertThat(counts[3]).isZero();
    assertThat(counts[1] / 4000.0).isCloseTo(0.625, within(0.03));
  }

  @Test
  void rawLogProbIgnoresTruncationButNotTemperature() {
    SamplingParams p = SamplingParams.builder().temperature(2f).topK(2).build();
    TokenSelector.Choice c = new TokenSelector(p).choose(LOGITS, 0, 4, new Random(3));
    double z = 0;
    for (float l : LOGITS) {
      z += Math.exp(l / 2.0);
    }
    assertThat(c.token()).isIn(1, 2);
    assertThat((double) c.logProb()).isCloseTo(LOGITS[c.token()] / 2.0 - Math.log(z), within(1e-6));
  }

  @Test
  void greedyTakesTheFirstMaximumAndReportsTemperatureOneLogProb() {
    float[] tied = {0f, 3f, 3f, 1f};
    TokenSelector.Choice c =
        new TokenSelector(SamplingParams.builder().temperature(0f).build())
            .choose(tied, 0, 4, null);
    assertThat(c.token()).isEqualTo(1);
    double z = 1 + 2 * Math.exp(3) + Math.exp(1);
    assertThat((double) c.logProb()).isCloseTo(3 - Math.log(z), within(1e-6));
  }

  @Test
  void sortingHandlesNegativeLogitsAndTies() {
    float[] logits = {-5f, -0.5f, -0.5f, 2f, -100f};
    SamplingParams p = SamplingParams.builder().topK(3).build();
    TokenSelector selector = new TokenSelector(p);
    Random random = new Random(2);
    for (int i = 0; i < 500; i++) {
      assertThat(selector.choose(logits, 0, 5, random).token()).isIn(1, 2, 3);
    }
  }

  /** Straightforward top-k then top-p over a fully sorted vocabulary, drawn like TokenSelector. */
  private static int referenceDraw(float[] logits, float t, int topK, float topP, Random random) {
    int vocab = logits.length;
    double max = Double.NEGATIVE_INFINITY;
    for (float l : logits) {
      max = Math.max(max, l / (double) t);
    }
    double sum = 0;
    for (float l : logits) {
      sum += Math.exp(l * (1.0 / t) - max);
    }
    Integer[] order = new Integer[vocab];
    for (int v = 0; v < vocab; v++) {
      order[v] = v;
    }
    Arrays.sort(
        order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : a - b);
    int kept = topK > 0 ? Math.min(topK, vocab) : vocab;
    double topKMass = 0;
    if (topK > 0 && topK < vocab) {
      for (int i = 0; i < kept; i++) {
        topKMass += Math.exp(logits[order[i]] * (1.0 / t) - max);
      }
    } else {
      topKMass = sum;
    }
    if (topP < 1f) {
      double cumulative = 0;
      int nucleus = 0;
      while (nucleus < kept) {
        cumulative += Math.exp(logits[order[nucleus]] * (1.0 / t) - max) / topKMass;
        nucleus++;
        if (cumulative >= topP) {
          break;
        }
      }
      kept = nucleus;
    }
    double keptMass = 0;
    for (int i = 0; i < kept; i++) {
      keptMass += Math.exp(logits[order[i]] * (1.0 / t) - max);
    }
    double u = random.nextDouble() * keptMass;
    for (int i = 0; i < kept; i++) {
      u -= Math.exp(logits[order[i]] * (1.0 / t) - max);
      if (u < 0) {
        return order[i];
      }
    }
    return order[kept - 1];
  }

  @Test
  void partialSortOfLargeVocabulariesDrawsLikeAFullSort() {
    int vocab = 151_936;
    Random init = new Random(4);
    float[] logits = new float[vocab];
    for (int v = 0; v < vocab; v++) {
      logits[v] = (float) (init.nextGaussian() * 3);
    }
    float[][] settings = {{0.7f, 50, 1f}, {1f, 0, 0.9f}, {1.2f, 40, 0.5f}, {0.5f, 0, 0.999f}};
    for (float[] setting : settings) {
      SamplingParams p =
          SamplingParams.builder()
              .temperature(setting[0])
              .topK((int) setting[1])
              .topP(setting[2])
              .build();
      TokenSelector selector = new TokenSelector(p);
      Random fast = new Random(8);
      Random slow = new Random(8);
      long start = System.nanoTime();
      int[] fastTokens = new int[10];
      for (int i = 0; i < fastTokens.length; i++) {
        fastTokens[i] = selector.choose(logits, 0, vocab, fast).token();
      }
      double ms = (System.nanoTime() - start) / 1e6 / fastTokens.length;
      System.out.printf(
          "vocab %d, setting %s: %.2f ms per draw%n", vocab, Arrays.toString(setting), ms);
      for (int i = 0; i < fastTokens.length; i++) {
        assertThat(fastTokens[i])
            .isEqualTo(referenceDraw(logits, setting[0], (int) setting[1], setting[2], slow));
      }
    }
  }
}
