package dev.grpo.trainer.grpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Advantages, one scalar per completion, by the {@link AdvantageEstimator} of the config: GRPO's
 * group-relative A = (r − mean_group) / (std + ε) (below), RLOO's leave-one-out ({@link
 * #leaveOneOut}) or REINFORCE++-baseline's batch-whitened group baseline ({@link
 * #batchWhitenedGroupBaseline}). The GRPO form, for {@code B = prompts × G} rewards laid out group
 * by group (completions of one prompt are contiguous, as TRL's {@code view(-1, G)} assumes).
 *
 * <p>Matches TRL's {@code _generate_and_score_completions} with {@code
 * multi_objective_aggregation="sum_then_normalize"}:
 *
 * <ul>
 *   <li>The std is Bessel-corrected (n − 1), like TRL's {@code nanstd}, verl's and OpenRLHF's
 *       {@code torch.std}.
 *   <li>A NaN reward (an unscorable sample) is left out of the mean and std and gets advantage 0
 *       (TRL's {@code nanmean}/{@code nanstd} then {@code nan_to_num}).
 *   <li>A group with a single scorable sample has an undefined std; its advantage is 0, as in TRL
 *       (verl instead uses mean 0, std 1 for a group of size 1).
 *   <li>ε defaults to TRL's 1e-4 ({@link GrpoConfig#advantageEpsilon()}); verl uses 1e-6, OpenRLHF
 *       1e-9.
 * </ul>
 *
 * <p>Means are computed as {@code r0 + Σ(r − r0)/n} so a group of equal rewards has a mean equal to
 * those rewards bit for bit: its advantages are then exactly 0 and the policy gradient is exactly
 * zero, instead of a rounding residue that an optimizer like Adam would amplify.
 */
public final class GroupAdvantages {

  private GroupAdvantages() {}

  /**
   * Advantages by the estimator of {@code config}, with its scaling and ε for {@link
   * AdvantageEstimator#GRPO}. {@link AdvantageEstimator#REINFORCE_PLUS_PLUS_BASELINE} weights every
   * completion by its tokens, so it needs {@link #compute(double[], int, GrpoConfig, double[])}.
   */
  public static double[] compute(double[] rewards, int groupSize, GrpoConfig config) {
    return compute(rewards, groupSize, config, null);
  }

  /**
   * Advantages by the estimator of {@code config}.
   *
   * @param activeTokens per completion, the tokens its loss is taken over (after truncation
   *     masking); read only by {@link AdvantageEstimator#REINFORCE_PLUS_PLUS_BASELINE}, may be null
   *     otherwise
   */
  public static double[] compute(
      double[] rewards, int groupSize, GrpoConfig config, double[] activeTokens) {
    return switch (config.advantageEstimator()) {
      case GRPO -> compute(rewards, groupSize, config.rewardScaling(), config.advantageEpsilon());
      case RLOO -> leaveOneOut(rewards, groupSize);
      case REINFORCE_PLUS_PLUS_BASELINE -> {
        if (activeTokens == null || activeTokens.length != rewards.length) {
          throw new IllegalArgumentException(
              "reinforce++-baseline whitens over tokens: it needs one active-token count per"
                  + " reward");
        }
        yield batchWhitenedGroupBaseline(rewards, groupSize, activeTokens);
      }
    };
  }

  /**
   * RLOO: A_i = r_i − mean_{j≠i} r_j over the scorable rewards of the group, computed as (r_i −
   * mean)·n/(n − 1) (verl's form) so equal rewards give exactly 0. A NaN reward gets 0, and so does
   * a lone scorable reward, whose leave-one-out baseline is undefined (verl, which has no NaN
   * rewards, leaves a group of one at r_i).
   */
  static double[] leaveOneOut(double[] rewards, int groupSize) {
    requireGroups(rewards, groupSize);
    double[] advantages = new double[rewards.length];
    for (int start = 0; start < rewards.length; start += groupSize) {
      int end = start + groupSize;
      int n = scorable(rewards, start, end);
      if (n < 2) {
        continue;
      }
      double mean = mean(rewards, start, end);
      double scale = (double) n / (n - 1);
      for (int i = start; i < end; i++) {
        double a = (rewards[i] - mean) * scale;
        advantages[i] = Double.isNaN(a) ? 0.0 : a;
      }
    }
    return advantages;
  }

  /**
   * REINFORCE++-baseline: c_i = r_i − group mean (NaN excluded, as for GRPO), then whitened over
   * the batch with every completion weighted by its active tokens, as verl's {@code masked_whiten}
   * does on the [B,T] broadcast: μ = Σw·c/(Σw + 1e-8), σ² = Σw·(c − μ)²/(Σw + 1e-8) · Σw/(Σw − 1),
   * A = (c − μ)/√(σ² + 1e-8). Unscorable completions weigh 0 and get advantage 0. Unlike GRPO, a
   * group of equal rewards ends at −μ/σ, not 0 (verl's shift by the batch mean). With fewer than
   * two weighted tokens the variance is undefined (verl raises) and every advantage is 0.
   */
  static double[] batchWhitenedGroupBaseline(
      double[] rewards, int groupSize, double[] activeTokens) {
    requireGroups(rewards, groupSize);
    double[] centred = new double[rewards.length];
    for (int start = 0; start < rewards.length; start += groupSize) {
      int end = start + groupSize;
      double mean = mean(rewards, start, end);
      for (int i = start; i < end; i++) {
        centred[i] = rewards[i] - mean;
      }
    }
    double weight = 0;
    double weighted = 0;
    for (int i = 0; i < rewards.length; i++) {
      if (!Double.isNaN(centred[i])) {
        weight += activeTokens[i];
        weighted += activeTokens[i] * centred[i];
      }
    }
    double[] advantages = new double[rewards.length];
    if (weight < 2) {
      return advantages;
    }
    double mu = weighted / (weight + 1e-8);
    double squares = 0;
    for (int i = 0; i < rewards.length; i++) {
      if (!Double.isNaN(centred[i])) {
        double d = centred[i] - mu;
        squares += activeTokens[i] * d * d;
      }
    }
    double variance = squares / (weight + 1e-8) * (weight / (weight - 1));
    double scale = 1.0 / Math.sqrt(variance + 1e-8);
    for (int i = 0; i < rewards.length; i++) {
      advantages[i] = Double.isNaN(centred[i]) ? 0.0 : (centred[i] - mu) * scale;
    }
    return advantages;
  }

  private static void requireGroups(double[] rewards, int groupSize) {
    if (groupSize < 1 || rewards.length % groupSize != 0) {
      throw new IllegalArgumentException(
          "rewards length " + rewards.length + " is not a multiple of group size " + groupSize);
    }
  }

  private static int scorable(double[] values, int start, int end) {
    int n = 0;
    for (int i = start; i < end; i++) {
      n += Double.isNaN(values[i]) ? 0 : 1;
    }
    return n;
  }

  /** Advantages for rewards in double precision; NaN marks an unscorable sample. */
  public static double[] compute(
      double[] rewards, int groupSize, RewardScaling scaling, double epsilon) {
    requireGroups(rewards, groupSize);
    double batchStd = scaling == RewardScaling.BATCH ? std(rewards, 0, rewards.length) : 0;
    double[] advantages = new double[rewards.length];
    for (int start = 0; start < rewards.length; start += groupSize) {
      int end = start + groupSize;
      double mean = mean(rewards, start, end);
      double std =
          switch (scaling) {
            case GROUP -> std(rewards, start, end);
            case BATCH -> batchStd;
            case NONE -> 0;
          };
      for (int i = start; i < end; i++) {
        double a = rewards[i] - mean;
        if (scaling != RewardScaling.NONE) {
          a = a / (std + epsilon);
        }
        advantages[i] = Double.isNaN(a) ? 0.0 : a;
      }
    }
    return advantages;
  }

  /** Float overload; the statistics are still computed in double precision. */
  public static float[] compute(
      float[] rewards, int groupSize, RewardScaling scaling, double epsilon) {
    double[] wide = new double[rewards.length];
    for (int i = 0; i < rewards.length; i++) {
      wide[i] = rewards[i];
    }
    double[] advantages = compute(wide, groupSize, scaling, epsilon);
    float[] narrow = new float[advantages.length];
    for (int i = 0; i < advantages.length; i++) {
      narrow[i] = (float) advantages[i];
    }
    return narrow;
  }

  /**
   * NDArray overload: a [B] reward array in, a [B] advantage array of the same dtype out (created
   * in the rewards' manager, no gradient).
   */
  public static NDArray compute(
      NDArray rewards, int groupSize, RewardScaling scaling, double epsilon) {
    double[] values = rewards.toType(DataType.FLOAT64, false).toDoubleArray();
    double[] advantages = compute(values, groupSize, scaling, epsilon);
    return rewards.getManager().create(advantages).toType(rewards.getDataType(), false);
  }

  private static double mean(double[] values, int start, int end) {
    double pivot = Double.NaN;
    double sum = 0;
    int n = 0;
    for (int i = start; i < end; i++) {
      if (Double.isNaN(values[i])) {
        continue;
      }
      if (n == 0) {
        pivot = values[i];
      }
      sum += values[i] - pivot;
      n++;
    }
    return n == 0 ? Double.NaN : pivot + sum / n;
  }

  /** Bessel-corrected std over the non-NaN values; NaN when fewer than two are present. */
  private static double std(double[] values, int start, int end) {
    double mean = mean(values, start, end);
    double squares = 0;
    int n = 0;
    for (int i = start; i < end; i++) {
      if (!Double.isNaN(values[i])) {
        double d = values[i] - mean;
        squares += d * d;
        n++;
      }
    }
    return n < 2 ? Double.NaN : Math.sqrt(squares / (n - 1));
  }
}
