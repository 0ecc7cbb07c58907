package dev.grpo.trainer.rm;

import ai.djl.ndarray.NDArray;
import dev.grpo.policy.model.GraphConstants;

/**
 * The Bradley–Terry pairwise loss of reward modelling (InstructGPT, Llama 2's margin variant): per
 * pair −log σ(r_chosen − r_rejected − margin), averaged over the batch. Written as the stable
 * softplus {@code max(−z, 0) + log(1 + exp(−|z|))} of z = r_chosen − r_rejected − margin, so a pair
 * far on either side neither overflows nor loses its gradient.
 */
public final class PairwiseLoss {

  private PairwiseLoss() {}

  /**
   * @param chosen (batch,) rewards of the preferred responses
   * @param rejected (batch,) rewards of the others
   * @param margin (batch,) margins, zeros for the plain loss
   * @return the mean loss, a scalar on the gradient path of the rewards
   */
  public static NDArray loss(NDArray chosen, NDArray rejected, NDArray margin) {
    NDArray z = chosen.sub(rejected).sub(margin);
    // scalars on the gradient path are graph constants (see GraphConstants)
    NDArray zero = GraphConstants.constant(z, 0f);
    NDArray one = GraphConstants.constant(z, 1f);
    NDArray softplus = z.neg().maximum(zero).add(z.abs().neg().exp().add(one).log());
    return softplus.mean();
  }

  /** The share of pairs whose chosen reward is strictly higher than the rejected one. */
  public static double accuracy(float[] chosen, float[] rejected) {
    if (chosen.length != rejected.length || chosen.length == 0) {
      throw new IllegalArgumentException("need as many chosen as rejected rewards, at least one");
    }
    int right = 0;
    for (int i = 0; i < chosen.length; i++) {
      if (chosen[i] > rejected[i]) {
        right++;
      }
    }
    return (double) right / chosen.length;
  }
}
