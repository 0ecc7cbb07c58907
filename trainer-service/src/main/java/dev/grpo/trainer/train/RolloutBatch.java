package dev.grpo.trainer.train;

import java.util.ArrayList;
import java.util.List;

/**
 * The completions of one GRPO step: {@code groupSize} completions per prompt, laid out prompt by
 * prompt (completions {@code i*G .. i*G+G-1} answer prompt {@code i}), as {@link
 * dev.grpo.trainer.grpo.GroupAdvantages} expects.
 *
 * @param prompts token ids of each prompt (at least one token each)
 * @param groupSize G, completions per prompt
 * @param completions token ids of each completion, {@code prompts.size() * groupSize} of them
 * @param oldLogProbs per completion, the log-probs of its tokens at sampling time; null for fully
 *     on-policy training (the trainer then uses the current policy's detached log-probs)
 * @param rewards one per completion; NaN marks an unscorable completion (advantage 0)
 * @param truncated one per completion: it hit the length limit without EOS
 * @param rolloutLogProbs per completion, the log-probs the rollout backend returned with its tokens
 *     (π_rollout), or null. Unlike {@code oldLogProbs} they never stand in for π_old: the trainer
 *     recomputes π_old and compares the two (the mismatch metrics, the rollout correction).
 */
public record RolloutBatch(
    List<int[]> prompts,
    int groupSize,
    List<int[]> completions,
    List<float[]> oldLogProbs,
    double[] rewards,
    boolean[] truncated,
    List<float[]> rolloutLogProbs) {

  /** A batch without the rollout's own log-probs. */
  public RolloutBatch(
      List<int[]> prompts,
      int groupSize,
      List<int[]> completions,
      List<float[]> oldLogProbs,
      double[] rewards,
      boolean[] truncated) {
    this(prompts, groupSize, completions, oldLogProbs, rewards, truncated, null);
  }

  public RolloutBatch {
    if (prompts.isEmpty() || groupSize < 1) {
      throw new IllegalArgumentException("need at least one prompt and a group size >= 1");
    }
    int n = prompts.size() * groupSize;
    if (completions.size() != n || rewards.length != n || truncated.length != n) {
      throw new IllegalArgumentException(
          "need " + n + " completions, rewards and truncated flags (prompts x groupSize)");
    }
    requireRows("old", oldLogProbs, completions);
    requireRows("rollout", rolloutLogProbs, completions);
  }

  private static void requireRows(String what, List<float[]> rows, List<int[]> completions) {
    if (rows == null) {
      return;
    }
    if (rows.size() != completions.size()) {
      throw new IllegalArgumentException(
          "need " + completions.size() + " " + what + " log-prob rows");
    }
    for (int i = 0; i < rows.size(); i++) {
      if (rows.get(i) == null || rows.get(i).length != completions.get(i).length) {
        throw new IllegalArgumentException(
            what + " log-probs of completion " + i + " differ in length");
      }
    }
  }

  /** Number of completions. */
  public int size() {
    return completions.size();
  }

  /** The prompt of each completion (each prompt repeated G times). */
  public List<int[]> promptPerCompletion() {
    List<int[]> out = new ArrayList<>(size());
    for (int[] prompt : prompts) {
      for (int g = 0; g < groupSize; g++) {
        out.add(prompt);
      }
    }
    return out;
  }

  /** Mean of the scorable rewards (NaN when none is). */
  public double meanReward() {
    double sum = 0;
    int n = 0;
    for (double r : rewards) {
      if (!Double.isNaN(r)) {
        sum += r;
        n++;
      }
    }
    return n == 0 ? Double.NaN : sum / n;
  }
}
