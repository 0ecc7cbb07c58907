package dev.grpo.reward.math;

/** Which answer notations the extractor looks for. */
public enum AnswerFormat {
  /** {@code \boxed{}}, {@code $…$}, {@code \(…\)}, {@code \[…\]} and LaTeX anchors. */
  LATEX,
  /** Plain numbers and arithmetic ("1,000.5", "3/4", "28 %") found in running text. */
  EXPRESSION
}
