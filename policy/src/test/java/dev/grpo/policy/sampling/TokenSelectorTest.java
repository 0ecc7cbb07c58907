package dev.grpo.policy.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

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
}
