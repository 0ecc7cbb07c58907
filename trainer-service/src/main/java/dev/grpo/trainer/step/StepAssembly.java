package dev.grpo.trainer.step;

import dev.grpo.api.rollout.RolloutResponse.Sample;
import dev.grpo.trainer.train.RolloutBatch;
import java.util.ArrayList;
import java.util.List;

/**
 * Lays the kept groups of a step out as the GRPO update's batch (prompt-major, {@code G} samples
 * per prompt; a sample that hit {@code maxTokens} is marked truncated) and measures the batch. The
 * backend's log-probs go along as π_rollout (not as π_old, which the trainer recomputes), unless a
 * sample came without them.
 */
final class StepAssembly {

  /**
   * A step's batch and what it holds.
   *
   * @param rewards one per completion in batch order, NaN where skipped
   * @param zeroStdGroups groups whose rewards all agree
   */
  record StepBatch(
      RolloutBatch batch,
      double[] rewards,
      int prompts,
      int completions,
      double lengthMean,
      int lengthMax,
      int truncated,
      int zeroStdGroups) {

    double clippedRatio() {
      return (double) truncated / completions;
    }

    double zeroStdFraction() {
      return (double) zeroStdGroups / prompts;
    }
  }

  private StepAssembly() {}

  static StepBatch assemble(List<ScoredGroup> groups, int groupSize) {
    int g = groupSize;
    List<int[]> promptIds = new ArrayList<>(groups.size());
    List<int[]> completions = new ArrayList<>(groups.size() * g);
    double[] rewards = new double[groups.size() * g];
    boolean[] truncated = new boolean[groups.size() * g];
    List<float[]> rolloutLogProbs = new ArrayList<>(groups.size() * g);
    boolean everyLogProb = true;
    long lengthSum = 0;
    int lengthMax = 0;
    int truncatedCount = 0;
    int zeroStd = 0;
    for (int i = 0; i < groups.size(); i++) {
      ScoredGroup group = groups.get(i);
      promptIds.add(group.promptIds());
      zeroStd += group.degenerate() ? 1 : 0;
      for (int k = 0; k < g; k++) {
        Sample sample = group.samples().get(k);
        int at = i * g + k;
        completions.add(sample.tokenIds());
        float[] logprobs = sample.logprobs();
        everyLogProb &= logprobs != null && logprobs.length == sample.tokenIds().length;
        rolloutLogProbs.add(logprobs);
        rewards[at] = group.rewards()[k];
        truncated[at] = "length".equals(sample.finishReason());
        truncatedCount += truncated[at] ? 1 : 0;
        lengthSum += sample.tokenIds().length;
        lengthMax = Math.max(lengthMax, sample.tokenIds().length);
      }
    }
    return new StepBatch(
        new RolloutBatch(
            promptIds,
            g,
            completions,
            null,
            rewards,
            truncated,
            everyLogProb ? rolloutLogProbs : null),
        rewards,
        groups.size(),
        completions.size(),
        (double) lengthSum / completions.size(),
        lengthMax,
        truncatedCount,
        zeroStd);
  }
}
