package dev.grpo.api.run;

import dev.grpo.api.problem.FieldProblem;
import java.util.ArrayList;
import java.util.List;

/** The cross-field rules of a run's stage fields ({@code kind} and what it reads). */
final class StageFields {

  private StageFields() {}

  static List<FieldProblem> problems(RunSpec spec) {
    List<FieldProblem> problems = new ArrayList<>();
    RunKind kind = spec.kind();
    if ((kind == RunKind.REJECTION_SAMPLING || kind == RunKind.EVAL || kind == RunKind.DISTILL)
        && spec.initialCheckpoint() == null) {
      problems.add(
          new FieldProblem(
              "initialCheckpoint",
              "a " + kind.name().toLowerCase() + " run samples from a checkpoint; name one"));
    }
    if (spec.trainDataset() != null && kind != RunKind.SFT) {
      problems.add(new FieldProblem("trainDataset", "only an sft run trains on a ledger dataset"));
    }
    List<String> rules = spec.rewards().stream().map(RunSpec.Reward::rule).toList();
    spec.rejectionSampling()
        .thresholds()
        .forEach(
            (rule, least) -> {
              if (!rules.contains(rule)) {
                problems.add(
                    new FieldProblem(
                        "rejectionSampling.thresholds." + rule,
                        "names no rule of rewards (" + String.join(", ", rules) + ")"));
              } else if (least == null || !Double.isFinite(least)) {
                problems.add(
                    new FieldProblem(
                        "rejectionSampling.thresholds." + rule, "must be a finite number"));
              }
            });
    return problems;
  }
}
