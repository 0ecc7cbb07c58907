package dev.grpo.trainer.grpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Group-relative advantages A = (r − mean_group) / (std + ε), one scalar per completion, for {@code
 * B = prompts × G} rewards laid out group by group (completions of one prompt are contiguous, as
 * TRL's {@code view(-1, G)} assumes).
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

  /** Advantages with the scaling and ε from {@code config}. */
  public static double[] compute(double[] rewards, int groupSize, GrpoConfig config) {
    return compute(rewards, groupSize, config.rewardScaling(), config.advantageEpsilon());
  }

  /** Advantages for rewards in double precision; NaN marks an unscorable sample. */
  public static double[] compute(
      double[] rewards, int groupSize, RewardScaling scaling, double epsilon) {
    if (groupSize < 1 || rewards.length % groupSize != 0) {
      throw new IllegalArgumentException(
          "rewards length " + rewards.length + " is not a multiple of group size " + groupSize);
    }
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
