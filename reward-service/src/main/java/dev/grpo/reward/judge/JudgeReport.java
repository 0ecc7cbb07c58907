package dev.grpo.reward.judge;

import dev.grpo.reward.sandbox.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;

/**
 * Verdicts for a submission.
 *
 * @param status SCORED, or SANDBOX_ERROR when the infrastructure failed (no score: the caller must
 *     retry or drop the sample, never treat it as 0)
 * @param score pass fraction (or 0/1), empty when not scored
 * @param cases per-case verdicts, in order, for the cases actually judged
 * @param message compiler output or sandbox error text, may be empty
 */
public record JudgeReport(
    Status status, OptionalDouble score, List<CaseResult> cases, String message) {

  public enum Status {
    SCORED,
    SANDBOX_ERROR
  }

  /**
   * @param index position in the submitted case list
   * @param outcome verdict
   * @param time wall time of the run
   * @param detail short evidence (stderr tail, or what was printed), may be empty
   */
  public record CaseResult(int index, Outcome outcome, Duration time, String detail) {}

  public JudgeReport {
    cases = List.copyOf(cases);
  }

  public long passed() {
    return cases.stream().filter(c -> c.outcome() == Outcome.PASSED).count();
  }
}
