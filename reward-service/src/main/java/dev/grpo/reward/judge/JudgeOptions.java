package dev.grpo.reward.judge;

import dev.grpo.reward.sandbox.SandboxPolicy;

/**
 * How a submission is judged.
 *
 * @param scoring how case verdicts become a score
 * @param firstK judge only the first K cases (0 = all), like verl's continuous mode (K = 10)
 * @param compilePolicy limits for compilation
 * @param runPolicy limits for each test run
 */
public record JudgeOptions(
    Scoring scoring, int firstK, SandboxPolicy compilePolicy, SandboxPolicy runPolicy) {

  public enum Scoring {
    /** Score = passed / judged. */
    FRACTION,
    /** Score = 1 if every judged case passes, else 0; stops at the first failure. */
    ALL_OR_NOTHING
  }

  public JudgeOptions {
    if (scoring == null || firstK < 0 || compilePolicy == null || runPolicy == null) {
      throw new IllegalArgumentException("bad judge options");
    }
  }

  public static JudgeOptions defaults() {
    return new JudgeOptions(
        Scoring.FRACTION, 0, SandboxPolicy.compileDefaults(), SandboxPolicy.runDefaults());
  }

  public JudgeOptions withScoring(Scoring s) {
    return new JudgeOptions(s, firstK, compilePolicy, runPolicy);
  }

  public JudgeOptions withFirstK(int k) {
    return new JudgeOptions(scoring, k, compilePolicy, runPolicy);
  }

  public JudgeOptions withRunPolicy(SandboxPolicy p) {
    return new JudgeOptions(scoring, firstK, compilePolicy, p);
  }
}
