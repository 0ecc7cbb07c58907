package dev.grpo.trainer.rm;

/**
 * One human (or verifier) preference: for {@code prompt}, {@code chosen} is better than {@code
 * rejected}.
 *
 * @param line the 1-based line of the file it came from
 * @param margin how much better, when the row says (null: the run's fixed margin)
 */
public record PreferencePair(
    int line, String prompt, String chosen, String rejected, Double margin) {}
