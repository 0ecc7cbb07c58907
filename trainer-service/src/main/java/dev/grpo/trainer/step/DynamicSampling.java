package dev.grpo.trainer.step;

import dev.grpo.api.rollout.RolloutResponse;
import dev.grpo.api.run.RunSpec;
import dev.grpo.ledger.dataset.DatasetItems.Item;
import dev.grpo.trainer.step.GroupScoring.ScoredRound;
import dev.grpo.trainer.step.StepRewards.RuleTally;
import dev.grpo.trainer.train.TrainingState;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Samples and scores the prompt groups of one step. With dynamic sampling on (DAPO), a group whose
 * rewards all agree carries no advantage: it is dropped and the batch refilled with the next
 * prompts of the dataset cursor, for up to {@code maxRefillRounds} more rounds. Out of rounds, the
 * batch is topped up with the dropped groups (they add only the KL term), so every step trains on
 * the same number of prompts. With it off, one round samples exactly {@code promptsPerStep}
 * prompts.
 */
final class DynamicSampling {

  /**
   * The train split as the dataset cursor reads it: position {@code p} is item {@code p mod size}.
   */
  interface TrainPrompts {
    int size();

    /** Items at positions {@code [from, from + count)}, {@code from + count <= size()}. */
    List<Item> read(int from, int count);
  }

  /**
   * The groups a step trains on and how they were found.
   *
   * @param consumed dataset positions the cursor moved past
   * @param rules reward tallies per rule over every round, in the spec's order
   * @param groupsStale groups dropped because a sample came from a policy version more than {@code
   *     rollout.maxStaleness} behind the one the step updates
   * @param trainVersion the policy version the step updates, which staleness is measured from
   */
  record SampledGroups(
      List<ScoredGroup> kept,
      int consumed,
      int groupsSampled,
      int groupsDropped,
      int rounds,
      int skipped,
      int zeroed,
      Map<String, RuleTally> rules,
      double rolloutSeconds,
      double scoringSeconds,
      int groupsStale,
      long trainVersion) {

    /** Per kept group: how many versions its oldest sample lags behind {@link #trainVersion}. */
    int[] staleness() {
      return kept.stream().mapToInt(g -> (int) (trainVersion - oldestVersion(g))).toArray();
    }
  }

  /** Rounds beyond {@code maxRounds} a step may spend replacing groups dropped as stale. */
  static final int MAX_STALE_REFILL_ROUNDS = 2;

  private record PromptRead(List<Item> items, int consumed) {}

  private final RunSpec spec;
  private final TrainPrompts train;
  private final Rollouts rollouts;
  private final GroupScoring scoring;

  DynamicSampling(RunSpec spec, TrainPrompts train, Rollouts rollouts, GroupScoring scoring) {
    this.spec = spec;
    this.train = train;
    this.rollouts = rollouts;
    this.scoring = scoring;
  }

  boolean enabled() {
    return spec.algorithm().dynamicSampling().enabled();
  }

  /**
   * Samples the groups of the step after {@code state}.
   *
   * @param scoringStarted run once, when the first round's rollout is back
   */
  SampledGroups sample(int step, TrainingState state, Runnable scoringStarted) {
    int target = spec.schedule().promptsPerStep();
    // the version this step updates; its samples may come from up to maxStaleness versions before
    long trainVersion = state.step() + 1;
    long oldestAllowed = Math.max(1, trainVersion - spec.rollout().maxStaleness());
    int maxRounds = enabled() ? spec.algorithm().dynamicSampling().maxRefillRounds() + 1 : 1;
    int roundsAllowed = maxRounds;
    int stale = 0;
    List<ScoredGroup> kept = new ArrayList<>();
    List<ScoredGroup> degenerate = new ArrayList<>();
    Map<String, RuleTally> rules = new LinkedHashMap<>();
    Set<String> used = new HashSet<>();
    int consumed = 0;
    int sampled = 0;
    int rounds = 0;
    int skipped = 0;
    int zeroed = 0;
    double rolloutSeconds = 0;
    double scoringSeconds = 0;
    while (kept.size() < target && rounds < roundsAllowed) {
      PromptRead read = next(state.dataCursor() + consumed, target - kept.size(), used);
      consumed += read.consumed();
      if (read.items().isEmpty()) {
        break;
      }
      long t0 = System.nanoTime();
      RolloutResponse rollout =
          rollouts.sample(
              step,
              oldestAllowed,
              read.items(),
              spec.algorithm().groupSize(),
              state.seedForStep() + rounds);
      rolloutSeconds += seconds(t0);
      if (rounds == 0) {
        scoringStarted.run();
      }
      long t1 = System.nanoTime();
      ScoredRound round = scoring.score(read.items(), rollout);
      scoringSeconds += seconds(t1);
      skipped += round.rewards().skipped();
      zeroed += round.rewards().zeroed();
      round.rewards().rules().forEach((rule, tally) -> rules.merge(rule, tally, RuleTally::plus));
      sampled += round.groups().size();
      rounds++;
      int staleThisRound = 0;
      for (ScoredGroup g : round.groups()) {
        if (oldestVersion(g) < oldestAllowed) {
          staleThisRound++;
        } else {
          (enabled() && g.degenerate() ? degenerate : kept).add(g);
        }
      }
      if (staleThisRound > 0) {
        // a backend served older weights than asked for (or the ledger held older samples of
        // this step): their places are refilled from fresh prompts, within a bound
        stale += staleThisRound;
        roundsAllowed = Math.min(roundsAllowed + 1, maxRounds + MAX_STALE_REFILL_ROUNDS);
      }
    }
    int dropped = degenerate.size();
    for (int i = 0; kept.size() < target && i < degenerate.size(); i++) {
      kept.add(degenerate.get(i));
    }
    if (kept.isEmpty()) {
      throw new IllegalStateException(
          "step "
              + step
              + " has no prompts to train on"
              + (stale > 0
                  ? " (" + stale + " groups came from policy versions before " + oldestAllowed + ")"
                  : ""));
    }
    return new SampledGroups(
        List.copyOf(kept),
        consumed,
        sampled,
        dropped,
        rounds,
        skipped,
        zeroed,
        rules,
        rolloutSeconds,
        scoringSeconds,
        stale,
        trainVersion);
  }

  /** The policy version of the group's oldest sample. */
  static long oldestVersion(ScoredGroup group) {
    long oldest = Long.MAX_VALUE;
    for (var sample : group.samples()) {
      oldest = Math.min(oldest, sample.policyVersion());
    }
    return oldest;
  }

  /**
   * Up to {@code need} items not yet used this step, from cursor position {@code position} on: one
   * range read up to the end of the split, then wrap, so a round costs one or two reads. Reads at
   * most one lap of the split.
   */
  private PromptRead next(long position, int need, Set<String> used) {
    int size = train.size();
    List<Item> items = new ArrayList<>(need);
    int scanned = 0;
    while (items.size() < need && scanned < size) {
      int from = (int) ((position + scanned) % size);
      int chunk = Math.min(need - items.size(), size - from);
      for (Item item : train.read(from, chunk)) {
        scanned++;
        if (used.add(item.key()) && items.size() < need) {
          items.add(item);
        }
      }
    }
    return new PromptRead(items, scanned);
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
