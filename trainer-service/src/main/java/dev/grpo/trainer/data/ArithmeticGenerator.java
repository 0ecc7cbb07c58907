package dev.grpo.trainer.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The built-in {@code arithmetic} task: sums of two single digits, prompt {@code "3+4="}, worked
 * solution {@code "<think>\n3+4\n</think>\n<answer>\n7\n</answer>"} (R1's format, which the reward
 * service's strict {@code format} rule checks; the answer is what {@code math_accuracy} verifies).
 *
 * <p>The space is small (100 sums), so the eval split is held out by item, not by problem: its
 * items are drawn independently of the train items and are never trained on, but the same sums do
 * occur in both splits. What the eval measures is how reliably the policy solves the task, which is
 * what RL improves here; a tiny model cannot infer an addition fact it has never seen.
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
    List<Problem> train = new ArrayList<>(size - evalCount);
    List<Problem> eval = new ArrayList<>(evalCount);
    for (int i = 0; i < size; i++) {
      Problem p = new Problem(random.nextInt(10), random.nextInt(10));
      (i < evalCount ? eval : train).add(p);
    }
    return new Splits(List.copyOf(train), List.copyOf(eval));
  }
}
