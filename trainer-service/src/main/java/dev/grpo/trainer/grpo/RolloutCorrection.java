package dev.grpo.trainer.grpo;

/**
 * Correction for the mismatch between the rollout backend's log-probs (π_rollout: vLLM's kernels,
 * the embedded sampler's own forward pass) and the trainer's recomputation of the same sampling
 * policy (π_old). Each token carries the importance ratio r = π_old/π_rollout = exp(log π_old − log
 * π_rollout), always without gradient.
 *
 * <ul>
 *   <li>{@link Mode#TRUNCATED_IS}: the policy loss of each token is multiplied by min(r, cap)
 *       (truncated importance sampling; TRL {@code vllm_importance_sampling_mode=token_truncate}
 *       with {@code vllm_importance_sampling_cap}, verl {@code rollout_is=token} with {@code
 *       rollout_is_threshold}, OpenRLHF {@code tis}).
 *   <li>{@link Mode#MASK_TOKEN}: tokens whose r leaves [lower, upper] leave the loss, its
 *       normaliser included (verl {@code rollout_rs=token}, OpenRLHF {@code icepop}, TRL {@code
 *       token_mask}).
 *   <li>{@link Mode#MASK_SEQUENCE}: whole sequences whose geometric-mean ratio exp(mean over the
 *       sequence's tokens of log r) leaves [lower, upper] leave the loss (verl {@code
 *       rollout_rs=geometric}, OpenRLHF {@code seq-mask-tis}). The geometric mean, not TRL's
 *       product exp(Σ log r): a product drifts with the length, so long completions would be
 *       dropped for the same per-token mismatch.
 * </ul>
 *
 * A mask mode with a cap also weights the tokens it keeps by min(r, cap) (OpenRLHF's {@code
 * seq-mask-tis} is {@code MASK_SEQUENCE} with a cap). The weights touch the policy loss only; a
 * mask removes the token from every term (KL, entropy) and from the loss's normaliser, as verl's
 * rejection sampling rewrites the response mask.
 *
 * @param mode what is done with the ratios
 * @param cap the truncation C of the weight min(r, C); required (&gt; 1) for {@code TRUNCATED_IS},
 *     optional for the mask modes, NaN when absent
 * @param lower lowest ratio a mask mode keeps; NaN for {@code NONE} and {@code TRUNCATED_IS}
 * @param upper highest ratio a mask mode keeps; NaN for {@code NONE} and {@code TRUNCATED_IS}
 */
public record RolloutCorrection(Mode mode, double cap, double lower, double upper) {

  /** What happens to tokens whose rollout log-probs disagree with the trainer's. */
  public enum Mode {
    /** Nothing: the loss is today's, the mismatch is only measured. */
    NONE,
    TRUNCATED_IS,
    MASK_TOKEN,
    MASK_SEQUENCE
  }

  /** No correction. */
  public static final RolloutCorrection NONE =
      new RolloutCorrection(Mode.NONE, Double.NaN, Double.NaN, Double.NaN);

  public RolloutCorrection {
    if (mode == null) {
      throw new IllegalArgumentException("mode must not be null");
    }
    boolean masks = mode == Mode.MASK_TOKEN || mode == Mode.MASK_SEQUENCE;
    if (mode == Mode.TRUNCATED_IS && !(cap > 1)) {
      throw new IllegalArgumentException("truncated IS needs a cap > 1, was " + cap);
    }
    if (masks && !Double.isNaN(cap) && !(cap > 1)) {
      throw new IllegalArgumentException("a cap must be > 1, was " + cap);
    }
    if (masks && !(lower >= 0 && lower < upper && Double.isFinite(upper))) {
      throw new IllegalArgumentException(
          "a mask needs 0 <= lower < upper, was [" + lower + ", " + upper + "]");
    }
    if (mode == Mode.NONE && !Double.isNaN(cap)) {
      throw new IllegalArgumentException("mode NONE takes no cap");
    }
    if (!masks && (!Double.isNaN(lower) || !Double.isNaN(upper))) {
      throw new IllegalArgumentException("bounds apply to the mask modes only, not " + mode);
    }
  }

  public static RolloutCorrection truncated(double cap) {
    return new RolloutCorrection(Mode.TRUNCATED_IS, cap, Double.NaN, Double.NaN);
  }

  public static RolloutCorrection maskTokens(double lower, double upper, double cap) {
    return new RolloutCorrection(Mode.MASK_TOKEN, cap, lower, upper);
  }

  public static RolloutCorrection maskSequences(double lower, double upper, double cap) {
    return new RolloutCorrection(Mode.MASK_SEQUENCE, cap, lower, upper);
  }

  /** Whether the loss changes at all. */
  public boolean enabled() {
    return mode != Mode.NONE;
  }

  /** Whether kept tokens are weighted by min(r, cap). */
  boolean weights() {
    return !Double.isNaN(cap);
  }
}
