package dev.grpo.trainer.train;

import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.sampling.BatchSampler;
import dev.grpo.policy.sampling.FinishReason;
import dev.grpo.policy.sampling.SampleOutput;
import dev.grpo.policy.sampling.SamplingParams;
import dev.grpo.policy.tokenizer.CharTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The toy task of the trainer tests: single-digit sums, prompt {@code "3+4="}, target completion
 * {@code "<think>3+4</think><answer>7</answer>"}. Problems come from a deterministic stream indexed
 * by a data cursor; the reward is computed in-process.
 */
final class ArithmeticTask {

  static final CharTokenizer TOKENIZER = new CharTokenizer();
  private static final Pattern FORMAT =
      Pattern.compile("<think>([^<]*)</think><answer>([^<]*)</answer>");

  /** Reward for the right format (think then answer, nothing else). */
  static final double FORMAT_REWARD = 0.2;

  record Problem(int a, int b) {
    String prompt() {
      return a + "+" + b + "=";
    }

    String solution() {
      return "<think>" + a + "+" + b + "</think><answer>" + (a + b) + "</answer>";
    }

    int[] promptIds() {
      return SftExample.of(TOKENIZER, prompt(), "").prompt();
    }

    SftExample example() {
      return SftExample.of(TOKENIZER, prompt(), solution());
    }

    /** 1 for the right answer in the right format, plus {@link #FORMAT_REWARD} for the format. */
    double reward(int[] completion) {
      Matcher m = FORMAT.matcher(TOKENIZER.decode(completion));
      if (!m.matches()) {
        return 0;
      }
      return FORMAT_REWARD + (m.group(2).equals(Integer.toString(a + b)) ? 1 : 0);
    }
  }

  private ArithmeticTask() {}

  /** The problem at a position of the data stream (the same for the same cursor, always). */
  static Problem problem(long cursor) {
    SplittableRandom random = new SplittableRandom(0x5EED_0000L + cursor);
    return new Problem(random.nextInt(10), random.nextInt(10));
  }

  static List<Problem> problems(long cursor, int count) {
    List<Problem> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      out.add(problem(cursor + i));
    }
    return out;
  }

  /** All 100 problems, in order. */
  static List<Problem> all() {
    List<Problem> out = new ArrayList<>(100);
    for (int a = 0; a < 10; a++) {
      for (int b = 0; b < 10; b++) {
        out.add(new Problem(a, b));
      }
    }
    return out;
  }

  /**
   * Samples {@code groupSize} completions per problem with the policy (temperature sampling seeded
   * by {@code seed}) and scores them: the deterministic stand-in for the rollout service.
   */
  static RolloutBatch rollout(
      DecoderModel policy,
      List<Problem> problems,
      int groupSize,
      int maxNewTokens,
      float temperature,
      long seed) {
    RolloutBatch sampled =
        rolloutWithLogProbs(policy, problems, groupSize, maxNewTokens, temperature, seed);
    return new RolloutBatch(
        sampled.prompts(),
        groupSize,
        sampled.completions(),
        null,
        sampled.rewards(),
        sampled.truncated());
  }

  /**
   * As {@link #rollout}, with the sampler's own log-probs of the sampled tokens as the rollout
   * log-probs: what the embedded backend returns (the same {@link BatchSampler}, raw log-probs at
   * the sampling temperature).
   */
  static RolloutBatch rolloutWithLogProbs(
      DecoderModel policy,
      List<Problem> problems,
      int groupSize,
      int maxNewTokens,
      float temperature,
      long seed) {
    List<int[]> prompts = new ArrayList<>();
    for (Problem p : problems) {
      prompts.add(p.promptIds());
    }
    // prompt-major: sample g of problem i is at i * groupSize + g
    List<SampleOutput> samples =
        new BatchSampler(policy, TOKENIZER)
            .generate(
                prompts,
                SamplingParams.builder()
                    .n(groupSize)
                    .maxTokens(maxNewTokens)
                    .temperature(temperature)
                    .seed(seed)
                    .build());
    List<int[]> completions = new ArrayList<>(samples.size());
    double[] rewards = new double[samples.size()];
    boolean[] truncated = new boolean[samples.size()];
    List<float[]> logProbs = new ArrayList<>(samples.size());
    for (int i = 0; i < samples.size(); i++) {
      int[] c = samples.get(i).tokenIds();
      completions.add(c);
      logProbs.add(samples.get(i).logProbs());
      rewards[i] = problems.get(i / groupSize).reward(c);
      truncated[i] = samples.get(i).finishReason() == FinishReason.LENGTH;
    }
    return new RolloutBatch(prompts, groupSize, completions, null, rewards, truncated, logProbs);
  }

  /** Mean reward of {@code samples} sampled completions per problem over all 100 problems. */
  static double meanReward(DecoderModel policy, int samples, float temperature, long seed) {
    return rollout(policy, all(), samples, 14, temperature, seed).meanReward();
  }
}
