package dev.grpo.trainer.rm;

import dev.grpo.policy.reward.RewardSequence;
import dev.grpo.policy.tokenizer.Tokenizer;
import dev.grpo.trainer.rm.RewardModelTrainer.EncodedPair;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Preference pairs encoded for a reward model, split into training and held-out pairs. A pair whose
 * prompt and longer response do not fit the model's context is counted as {@link
 * PreferenceRejection#TOO_LONG} in the file's rejections (never truncated: a truncated response may
 * lose the very part the preference is about).
 *
 * @param rejections every row left out, the file's reasons and {@code too_long}
 */
public record PreferenceSet(
    List<EncodedPair> train, List<EncodedPair> heldOut, PreferenceFile.Rejections rejections) {

  /**
   * Encodes {@code read}'s pairs and holds out a seeded random {@code evalFraction} of them (at
   * least one, and at least one left to train on).
   *
   * @param fixedMargin the margin of pairs without their own
   */
  public static PreferenceSet of(
      PreferenceFile.Read read,
      Tokenizer tokenizer,
      int maxTokens,
      double fixedMargin,
      double evalFraction,
      long seed) {
    List<EncodedPair> encoded = new ArrayList<>(read.pairs().size());
    for (PreferencePair pair : read.pairs()) {
      int[] chosen = RewardSequence.encode(tokenizer, pair.prompt(), pair.chosen());
      int[] rejected = RewardSequence.encode(tokenizer, pair.prompt(), pair.rejected());
      int longest = Math.max(chosen.length, rejected.length);
      if (longest > maxTokens) {
        read.rejections()
            .add(
                PreferenceRejection.TOO_LONG,
                pair.line(),
                longest + " tokens, the model's context is " + maxTokens);
        continue;
      }
      double margin = pair.margin() != null ? pair.margin() : fixedMargin;
      encoded.add(new EncodedPair(chosen, rejected, (float) margin));
    }
    if (encoded.size() < 2) {
      throw new IllegalArgumentException(
          "the preference file gives "
              + encoded.size()
              + " usable pairs (left out: "
              + read.rejections().counts()
              + "); a reward model needs at least 2, one to train on and one to hold out");
    }
    int n = encoded.size();
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    int held = Math.max(1, Math.min(n - 1, (int) Math.round(n * evalFraction)));
    boolean[] isHeld = new boolean[n];
    for (int i = 0; i < held; i++) {
      isHeld[order[i]] = true;
    }
    List<EncodedPair> train = new ArrayList<>(n - held);
    List<EncodedPair> heldOut = new ArrayList<>(held);
    for (int i = 0; i < n; i++) {
      (isHeld[i] ? heldOut : train).add(encoded.get(i));
    }
    return new PreferenceSet(List.copyOf(train), List.copyOf(heldOut), read.rejections());
  }
}
