package dev.grpo.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.grpo.trainer.grpo.GrpoConfig;
import dev.grpo.trainer.ppo.Gae;
import dev.grpo.trainer.ppo.PpoConfig;
import java.util.List;

/**
 * PPO's per-token advantages for one batch: the critic's values at rollout time, each outcome
 * reward on its completion's last token, {@link Gae} over the tokens, optionally whitened. A
 * completion counts (is in {@code mask}) unless it is unscorable (NaN reward) or truncated and
 * masked; the others get advantage 0 and no value loss.
 *
 * @param advantages [B,T] per-token advantages for the policy loss
 * @param oldValues [B,T] V_old, the centre of the value clip
 * @param returns [B,T] the critic's targets
 * @param mask [B,T] the tokens of the value loss
 * @param explainedVariance of V_old for the returns
 * @param valueMean mean V_old over the mask
 * @param returnMean mean return over the mask
 * @param zeroFraction completions left out (advantage 0 on every token)
 */
record PpoAdvantages(
    NDArray advantages,
    NDArray oldValues,
    NDArray returns,
    NDArray mask,
    double explainedVariance,
    double valueMean,
    double returnMean,
    double zeroFraction) {

  static PpoAdvantages compute(
      Critic critic, RolloutBatch batch, GrpoConfig objective, NDManager scope) {
    List<int[]> prompts = batch.promptPerCompletion();
    List<int[]> completions = batch.completions();
    int rows = completions.size();
    int width = 1;
    for (int[] c : completions) {
      width = Math.max(width, c.length);
    }
    double[][] mask = new double[rows][width];
    int left = 0;
    for (int i = 0; i < rows; i++) {
      boolean counts =
          !Double.isNaN(batch.rewards()[i])
              && !(objective.maskTruncatedCompletions() && batch.truncated()[i]);
      left += counts ? 0 : 1;
      for (int t = 0; t < completions.get(i).length && counts; t++) {
        mask[i][t] = 1;
      }
    }
    double[][] values = toRows(critic.values(prompts, completions, scope), rows, width);
    PpoConfig config = critic.config();
    double[][] rewards = Gae.tokenRewards(batch.rewards(), mask);
    Gae.Result gae = Gae.compute(rewards, values, mask, config.gamma(), config.lambda());
    double[][] advantages =
        config.whitenAdvantages() ? Gae.whiten(gae.advantages(), mask) : gae.advantages();
    double active = 0;
    double valueSum = 0;
    double returnSum = 0;
    for (int i = 0; i < rows; i++) {
      for (int t = 0; t < width; t++) {
        active += mask[i][t];
        valueSum += values[i][t] * mask[i][t];
        returnSum += gae.returns()[i][t] * mask[i][t];
      }
    }
    return new PpoAdvantages(
        array(scope, advantages, width),
        array(scope, values, width),
        array(scope, gae.returns(), width),
        array(scope, mask, width),
        Gae.explainedVariance(gae.returns(), values, mask),
        active == 0 ? Double.NaN : valueSum / active,
        active == 0 ? Double.NaN : returnSum / active,
        (double) left / rows);
  }

  private static double[][] toRows(NDArray array, int rows, int width) {
    double[] flat = array.toType(DataType.FLOAT64, false).toDoubleArray();
    double[][] out = new double[rows][width];
    for (int i = 0; i < rows; i++) {
      System.arraycopy(flat, i * width, out[i], 0, width);
    }
    return out;
  }

  /** A float32 [B,T] array owned by libtorch (not by a Java buffer), since autograd may keep it. */
  private static NDArray array(NDManager scope, double[][] rows, int width) {
    float[] flat = new float[rows.length * width];
    for (int i = 0; i < rows.length; i++) {
      for (int t = 0; t < width; t++) {
        flat[i * width + t] = (float) rows[i][t];
      }
    }
    try (NDArray borrowed = scope.create(flat, new Shape(rows.length, width))) {
      return borrowed.duplicate();
    }
  }
}
