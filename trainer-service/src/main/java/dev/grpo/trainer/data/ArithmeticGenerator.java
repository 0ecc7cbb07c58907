package dev.grpo.trainer.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The built-in {@code arithmetic} task: sums of two single digits, prompt {@code "3+4="}, worked
 * solution {@code "<think>\n3+4\n</think>\n<answer>\n7\n</answer>"} (R1's format, which the reward
 * service's strict {@code format} rule checks; the answer is what {@code math_accuracy} verifies).
 *
 * <p>The eval split is held out by problem: a seeded choice of {@code round(100 · evalFraction)} of
 * the 100 sums (at least one) is reserved for it, and the train items are drawn from the other sums
 * only, so no eval problem is ever trained on. The eval items repeat the reserved sums when there
 * are more eval items than reserved sums. A tiny model cannot infer an addition fact it has never
 * seen, so on this task the eval accuracy mostly measures the format; the demo uses multi-digit
 * sums, where the held-out problems are made of facts seen in training.
 */
public final class ArithmeticGenerator {

  /** One generated problem. */
  public record Problem(int a, int b) {
    public String prompt() {
      return a + "+" + b + "=";
    }

    public String answer() {
      return Integer.toString(a + b);
    }

    /** The completion a cold start learns: think, then answer, in R1's strict format. */
    public String solution() {
      return "<think>\n" + a + "+" + b + "\n</think>\n<answer>\n" + (a + b) + "\n</answer>";
    }
  }

  /** The two splits. */
  public record Splits(List<Problem> train, List<Problem> eval) {}

  private ArithmeticGenerator() {}

  /**
   * @param size how many items in all
   * @param evalFraction share of them (rounded, at least one when positive) that forms the eval
   *     split
   */
  public static Splits generate(int size, double evalFraction, long seed) {
    int evalCount = (int) Math.round(size * evalFraction);
    if (evalFraction > 0 && evalCount == 0) {
      evalCount = 1;
    }
    SplittableRandom random = new SplittableRandom(seed ^ 0xA817_4A11L);
    int[] sums = shuffledSums(random);
    int reserved = evalCount == 0 ? 0 : Math.max(1, (int) Math.round(100 * evalFraction));
    List<Problem> train = new ArrayList<>(size - evalCount);
    List<Problem> eval = new ArrayList<>(evalCount);
    for (int i = 0; i < size; i++) {
      boolean isEval = i < evalCount;
      int k = isEval ? random.nextInt(reserved) : reserved + random.nextInt(100 - reserved);
      Problem p = new Problem(sums[k] / 10, sums[k] % 10);
      (isEval ? eval : train).add(p);
    }
    return new Splits(List.copyOf(train), List.copyOf(eval));
  }

  /** The 100 sums as {@code 10a + b}, in a seeded order (Fisher-Yates). */
  private static int[] shuffledSums(SplittableRandom random) {
    int[] sums = new int[100];
    for (int i = 0; i < 100; i++) {
      sums[i] = i;
    }
    for (int i = 99; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = sums[i];
      sums[i] = sums[j];
      sums[j] = t;
    }
    return sums;
  }
}
