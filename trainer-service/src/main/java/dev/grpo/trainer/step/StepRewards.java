package dev.grpo.trainer.step;

import dev.grpo.api.reward.ScoreResponse.ItemResult;
import dev.grpo.api.reward.ScoreResponse.RuleOutcome;
import dev.grpo.api.run.RewardFailurePolicy;
import dev.grpo.api.run.RunSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the reward service's per-rule outcomes into one reward per completion, applying each rule's
 * failure policy: a rule that is not {@code OK} for a completion either leaves the completion out
 * ({@code skip}: reward NaN, advantage 0), counts as 0 ({@code zero}), or fails the step ({@code
 * fail}). Every application is counted per rule and policy; nothing becomes a silent 0.
 */
final class StepRewards {

  /** Raised when a rule whose policy is {@code fail} could not score a completion. */
  static final class RewardFailureException extends RuntimeException {
    final String rule;

    RewardFailureException(String rule, String message) {
      super(message);
      this.rule = rule;
    }
  }

  /**
   * Per-rule tallies over the scored completions.
   *
   * @param ok completions the rule scored
   * @param sum sum of the rule's (unweighted) scores over them
   * @param failed completions it could not score, by status
   * @param applied failure-policy applications (skip or zero)
   */
  record RuleTally(int ok, double sum, Map<String, Integer> failed, int applied) {
    double mean() {
      return ok == 0 ? Double.NaN : sum / ok;
    }

    /** The tally over both sets of completions (e.g. two sampling rounds of one step). */
    RuleTally plus(RuleTally other) {
      Map<String, Integer> both = new LinkedHashMap<>(failed);
      other.failed().forEach((status, n) -> both.merge(status, n, Integer::sum));
      return new RuleTally(
          ok + other.ok(), sum + other.sum(), Map.copyOf(both), applied + other.applied());
    }
  }

  /**
   * @param rewards one per completion in request order; NaN where skipped
   * @param skipped completions left out by a {@code skip} policy
   * @param zeroed rule results replaced by 0 by a {@code zero} policy
   * @param rules per rule, in the spec's order
   */
  record Assembled(double[] rewards, int skipped, int zeroed, Map<String, RuleTally> rules) {}

  private StepRewards() {}

  static Assembled assemble(List<RunSpec.Reward> specs, List<ItemResult> results) {
    double[] rewards = new double[results.size()];
    int skipped = 0;
    int zeroed = 0;
    Map<String, int[]> ok = new LinkedHashMap<>();
    Map<String, double[]> sums = new LinkedHashMap<>();
    Map<String, Map<String, Integer>> failed = new LinkedHashMap<>();
    Map<String, int[]> applied = new LinkedHashMap<>();
    for (RunSpec.Reward spec : specs) {
      ok.put(spec.rule(), new int[1]);
      sums.put(spec.rule(), new double[1]);
      failed.put(spec.rule(), new LinkedHashMap<>());
      applied.put(spec.rule(), new int[1]);
    }
    for (int i = 0; i < results.size(); i++) {
      ItemResult item = results.get(i);
      double total = 0;
      boolean skip = false;
      for (RunSpec.Reward spec : specs) {
        RuleOutcome outcome = find(item, spec.rule());
        String status = outcome == null ? "MISSING" : outcome.status();
        if ("OK".equals(status) && outcome.score() != null) {
          ok.get(spec.rule())[0]++;
          sums.get(spec.rule())[0] += outcome.score();
          total += spec.weight() * outcome.score();
          continue;
        }
        failed.get(spec.rule()).merge(status, 1, Integer::sum);
        String reason = outcome == null ? null : reason(outcome);
        switch (spec.onFailure()) {
          case FAIL ->
              throw new RewardFailureException(
                  spec.rule(),
                  "rule %s answered %s for completion %s%s; its onFailure policy is fail"
                      .formatted(
                          spec.rule(),
                          status,
                          item.id(),
                          reason == null ? "" : " (" + reason + ")"));
          case SKIP -> {
            applied.get(spec.rule())[0]++;
            skip = true;
          }
          case ZERO -> {
            applied.get(spec.rule())[0]++;
            zeroed++;
          }
        }
      }
      if (skip) {
        skipped++;
        rewards[i] = Double.NaN;
      } else {
        rewards[i] = total;
      }
    }
    Map<String, RuleTally> tallies = new LinkedHashMap<>();
    for (RunSpec.Reward spec : specs) {
      tallies.put(
          spec.rule(),
          new RuleTally(
              ok.get(spec.rule())[0],
              sums.get(spec.rule())[0],
              Map.copyOf(failed.get(spec.rule())),
              applied.get(spec.rule())[0]));
    }
    return new Assembled(rewards, skipped, zeroed, tallies);
  }

  /** The policy name as the metrics tag it. */
  static String tag(RewardFailurePolicy policy) {
    return policy.name().toLowerCase();
  }

  private static RuleOutcome find(ItemResult item, String rule) {
    if (item.rules() == null) {
      return null;
    }
    for (RuleOutcome o : item.rules()) {
      if (rule.equals(o.name())) {
        return o;
      }
    }
    return null;
  }

  private static String reason(RuleOutcome outcome) {
    Object r = outcome.details() == null ? null : outcome.details().get("reason");
    return r == null ? null : r.toString();
  }
}
