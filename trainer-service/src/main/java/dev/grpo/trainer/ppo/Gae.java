package dev.grpo.trainer.ppo;

/**
 * Generalised advantage estimation over completion tokens, in float64 on plain arrays. Rows are
 * completions, columns their tokens; {@code mask} is 1 on the tokens that count.
 *
 * <p>{@link #compute} is verl's {@code compute_gae_advantage_return}: going backwards, δ_t = r_t +
 * γ·V_next − V_t and A_t = δ_t + γλ·A_next, where a masked token neither updates V_next and A_next
 * nor gets an advantage of its own (so a row's padding is skipped and the bootstrap value after the
 * last token is 0). Returns are A + V before any whitening.
 */
public final class Gae {

  private Gae() {}

  /**
   * @param advantages [B][T] GAE advantages, 0 on masked tokens
   * @param returns [B][T] advantages + values (the critic's targets), 0 on masked tokens
   */
  public record Result(double[][] advantages, double[][] returns) {}

  /**
   * Outcome rewards as token rewards: each row's reward on its last active token, 0 elsewhere
   * (verl's {@code token_level_rewards} without the KL penalty). A NaN reward (an unscorable
   * completion) becomes 0; drop its row from the mask to leave it out of the losses.
   */
  public static double[][] tokenRewards(double[] rewards, double[][] mask) {
    double[][] out = new double[mask.length][];
    for (int i = 0; i < mask.length; i++) {
      out[i] = new double[mask[i].length];
      int last = -1;
      for (int t = 0; t < mask[i].length; t++) {
        if (mask[i][t] > 0) {
          last = t;
        }
      }
      if (last >= 0 && !Double.isNaN(rewards[i])) {
        out[i][last] = rewards[i];
      }
    }
    return out;
  }

  public static Result compute(
      double[][] rewards, double[][] values, double[][] mask, double gamma, double lambda) {
    int rows = mask.length;
    double[][] advantages = new double[rows][];
    double[][] returns = new double[rows][];
    for (int i = 0; i < rows; i++) {
      int width = mask[i].length;
      if (rewards[i].length != width || values[i].length != width) {
        throw new IllegalArgumentException("row " + i + " of rewards, values and mask differ");
      }
      advantages[i] = new double[width];
      returns[i] = new double[width];
      double nextValue = 0;
      double nextAdvantage = 0;
      for (int t = width - 1; t >= 0; t--) {
        double m = mask[i][t];
        double delta = rewards[i][t] + gamma * nextValue - values[i][t];
        double advantage = delta + gamma * lambda * nextAdvantage;
        nextValue = values[i][t] * m + (1 - m) * nextValue;
        nextAdvantage = advantage * m + (1 - m) * nextAdvantage;
        advantages[i][t] = nextAdvantage * m;
        returns[i][t] = (nextAdvantage + values[i][t]) * m;
      }
    }
    return new Result(advantages, returns);
  }

  /**
   * (x − μ)/√(σ² + 1e-8) over the masked entries, with the mask-weighted mean and the
   * Bessel-corrected variance (verl's {@code masked_whiten}); masked entries become 0. With fewer
   * than two active entries the variance is undefined and x is returned masked but unscaled.
   */
  public static double[][] whiten(double[][] x, double[][] mask) {
    double sum = 0;
    double count = 0;
    for (int i = 0; i < x.length; i++) {
      for (int t = 0; t < x[i].length; t++) {
        sum += x[i][t] * mask[i][t];
        count += mask[i][t];
      }
    }
    double[][] out = new double[x.length][];
    if (count < 2) {
      for (int i = 0; i < x.length; i++) {
        out[i] = new double[x[i].length];
        for (int t = 0; t < x[i].length; t++) {
          out[i][t] = x[i][t] * mask[i][t];
        }
      }
      return out;
    }
    double mean = sum / count;
    double squares = 0;
    for (int i = 0; i < x.length; i++) {
      for (int t = 0; t < x[i].length; t++) {
        double d = x[i][t] - mean;
        squares += d * d * mask[i][t];
      }
    }
    double variance = squares / count * (count / (count - 1));
    double scale = 1 / Math.sqrt(variance + 1e-8);
    for (int i = 0; i < x.length; i++) {
      out[i] = new double[x[i].length];
      for (int t = 0; t < x[i].length; t++) {
        out[i][t] = (x[i][t] - mean) * scale * mask[i][t];
      }
    }
    return out;
  }

  /**
   * 1 − Var(R − V)/(Var(R) + 1e-5) over the masked tokens, unbiased variances (verl's {@code
   * critic/vf_explained_var}): 1 when the values predict the returns, ≤ 0 when they do no better
   * than the mean. NaN with fewer than two active tokens.
   */
  public static double explainedVariance(double[][] returns, double[][] values, double[][] mask) {
    double n = 0;
    double sumR = 0;
    double sumD = 0;
    for (int i = 0; i < mask.length; i++) {
      for (int t = 0; t < mask[i].length; t++) {
        if (mask[i][t] > 0) {
          n++;
          sumR += returns[i][t];
          sumD += returns[i][t] - values[i][t];
        }
      }
    }
    if (n < 2) {
      return Double.NaN;
    }
    double meanR = sumR / n;
    double meanD = sumD / n;
    double varR = 0;
    double varD = 0;
    for (int i = 0; i < mask.length; i++) {
      for (int t = 0; t < mask[i].length; t++) {
        if (mask[i][t] > 0) {
          double r = returns[i][t] - meanR;
          double d = returns[i][t] - values[i][t] - meanD;
          varR += r * r;
          varD += d * d;
        }
      }
    }
    return 1 - (varD / (n - 1)) / (varR / (n - 1) + 1e-5);
  }
}
