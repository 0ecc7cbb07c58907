package dev.grpo.reward.scoring;

import dev.grpo.api.reward.ScoreRequest;
import dev.grpo.reward.rule.CompletionFault;
import dev.grpo.reward.rule.ConfigurableRule;
import dev.grpo.reward.rule.ConfiguredRule;
import dev.grpo.reward.scoring.ScoredItem.ScoredRule;
import dev.grpo.rule.DeadlineScorer;
import dev.grpo.rule.DeadlineScorer.Done;
import dev.grpo.rule.DeadlineScorer.Job;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import dev.grpo.rule.RuleStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Scores a batch of items with a list of rules, in parallel on a bounded pool of platform threads
 * (the rules are CPU-bound), and never waits longer than the rules' time budget.
 *
 * <p>Work is split into jobs of the SPI's {@link DeadlineScorer}: one per (rule, item) for
 * item-level rules, one per (rule, group) for group-level rules such as {@code length}, which get
 * the items of one {@code groupId} together (items without a groupId are grouped by prompt; items
 * with neither are alone). A job may run {@code ruleTimeout × its item count} once it has started;
 * past that its items are {@code TIMEOUT} and its thread is interrupted. A job that has not even
 * started when the batch deadline passes (the pool is saturated, e.g. by other requests or by
 * runaway rules) is {@code TIMEOUT} too.
 *
 * <p>Plain Java: the web endpoints, the OpenRLHF endpoint and the offline command share it.
 * Publishes {@code reward.rule.duration} (timer, tag {@code rule}) and {@code reward.rule.results}
 * (counter, tags {@code rule}, {@code status}).
 */
public final class ScoringEngine implements AutoCloseable {

  /** The default of {@code grpo.reward.max-completion-chars}. */
  public static final int DEFAULT_MAX_COMPLETION_CHARS = 1_000_000;

  private final DeadlineScorer scorer;
  private final Duration ruleTimeout;
  private final MeterRegistry meters;
  private final int maxCompletionChars;

  public ScoringEngine(int parallelism, Duration ruleTimeout, MeterRegistry meters) {
    this(parallelism, ruleTimeout, meters, DEFAULT_MAX_COMPLETION_CHARS);
  }

  /**
   * @param maxCompletionChars a completion longer than this is not given to any rule: every rule
   *     answers it with its minimum score, as a {@link CompletionFault.Kind#OVER_SIZE} fault
   */
  public ScoringEngine(
      int parallelism, Duration ruleTimeout, MeterRegistry meters, int maxCompletionChars) {
    if (maxCompletionChars < 1) {
      throw new IllegalArgumentException("maxCompletionChars must be at least 1");
    }
    this.maxCompletionChars = maxCompletionChars;
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be at least 1");
    }
    if (ruleTimeout.isNegative() || ruleTimeout.isZero()) {
      throw new IllegalArgumentException("ruleTimeout must be positive");
    }
    this.ruleTimeout = ruleTimeout;
    this.meters = meters;
    this.scorer = DeadlineScorer.onPlatformThreads(parallelism, "reward-rule-");
  }

  /** Whether a rule compares the completions of a group, i.e. overrides {@code scoreGroup}. */
  public static boolean isGroupLevel(ConfigurableRule<?> rule) {
    try {
      return rule.getClass().getMethod("scoreGroup", List.class, Object.class).getDeclaringClass()
          != ConfigurableRule.class;
    } catch (NoSuchMethodException impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  public Duration ruleTimeout() {
    return ruleTimeout;
  }

  /** One rule on some items: which rule of the request, and which items. */
  private record Slot(int ruleIndex, List<Integer> itemIndexes) {}

  /** One scored item per input item, in input order, each with one result per rule, in order. */
  public List<ScoredItem> score(List<WeightedRule> rules, List<ScoreRequest.Item> items) {
    List<RuleInput> inputs = new ArrayList<>(items.size());
    for (ScoreRequest.Item item : items) {
      inputs.add(toInput(item));
    }
    boolean[] oversize = new boolean[items.size()];
    for (int i = 0; i < items.size(); i++) {
      String completion = items.get(i).completion();
      oversize[i] = completion != null && completion.length() > maxCompletionChars;
    }
    List<List<Integer>> groups = without(groups(items), oversize);
    List<List<Integer>> singles = without(singles(items.size()), oversize);
    List<Slot> slots = new ArrayList<>();
    List<Job> jobs = new ArrayList<>();
    for (int r = 0; r < rules.size(); r++) {
      ConfiguredRule<?> rule = rules.get(r).rule();
      List<List<Integer>> units = isGroupLevel(rule.rule()) ? groups : singles;
      for (List<Integer> unit : units) {
        List<RuleInput> mine = new ArrayList<>(unit.size());
        for (int i : unit) {
          mine.add(inputs.get(i));
        }
        slots.add(new Slot(r, unit));
        jobs.add(new Job(rule, mine, rule.timeBudget(ruleTimeout).multipliedBy(unit.size())));
      }
    }
    List<Done> done = scorer.run(jobs);

    ScoredRule[][] results = new ScoredRule[items.size()][rules.size()];
    // one counter update per (rule, status) and batch, not one meter lookup per item
    Map<String, Map<RuleStatus, Integer>> statusCounts = new HashMap<>();
    answerOversize(rules, items, oversize, results, statusCounts);
    for (int j = 0; j < jobs.size(); j++) {
      Slot slot = slots.get(j);
      String ruleName = jobs.get(j).rule().name();
      long elapsed = done.get(j).elapsedNanos();
      if (elapsed > 0) {
        Timer.builder("reward.rule.duration")
            .description("time a reward rule takes on one item or one group of items")
            .tag("rule", ruleName)
            .register(meters)
            .record(elapsed, TimeUnit.NANOSECONDS);
      }
      long perItemMicros = TimeUnit.NANOSECONDS.toMicros(elapsed) / slot.itemIndexes().size();
      for (int k = 0; k < slot.itemIndexes().size(); k++) {
        RuleResult result = done.get(j).results().get(k);
        statusCounts
            .computeIfAbsent(ruleName, name -> new EnumMap<>(RuleStatus.class))
            .merge(result.status(), 1, Integer::sum);
        results[slot.itemIndexes().get(k)][slot.ruleIndex()] =
            new ScoredRule(rules.get(slot.ruleIndex()), result, perItemMicros);
      }
    }
    count(statusCounts);
    List<ScoredItem> scored = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      scored.add(new ScoredItem(items.get(i), List.of(results[i])));
    }
    return scored;
  }

  /** Every rule's minimum for the completions over the size limit, which no rule sees. */
  private void answerOversize(
      List<WeightedRule> rules,
      List<ScoreRequest.Item> items,
      boolean[] oversize,
      ScoredRule[][] results,
      Map<String, Map<RuleStatus, Integer>> statusCounts) {
    for (int i = 0; i < items.size(); i++) {
      if (!oversize[i]) {
        continue;
      }
      String reason =
          "the completion has "
              + items.get(i).completion().length()
              + " characters, over the limit of "
              + maxCompletionChars;
      for (int r = 0; r < rules.size(); r++) {
        RuleResult result = rules.get(r).rule().fault(CompletionFault.Kind.OVER_SIZE, reason);
        results[i][r] = new ScoredRule(rules.get(r), result, 0);
        statusCounts
            .computeIfAbsent(rules.get(r).name(), name -> new EnumMap<>(RuleStatus.class))
            .merge(result.status(), 1, Integer::sum);
      }
    }
  }

  /** The units with the excluded items taken out, and units left empty dropped. */
  private static List<List<Integer>> without(List<List<Integer>> units, boolean[] excluded) {
    List<List<Integer>> kept = new ArrayList<>(units.size());
    for (List<Integer> unit : units) {
      List<Integer> rest = unit.stream().filter(i -> !excluded[i]).toList();
      if (!rest.isEmpty()) {
        kept.add(rest);
      }
    }
    return kept;
  }

  private void count(Map<String, Map<RuleStatus, Integer>> statusCounts) {
    statusCounts.forEach(
        (rule, counts) ->
            counts.forEach(
                (status, n) ->
                    Counter.builder("reward.rule.results")
                        .description("reward rule results by status")
                        .tag("rule", rule)
                        .tag("status", status.name())
                        .register(meters)
                        .increment(n)));
  }

  private static List<List<Integer>> singles(int n) {
    List<List<Integer>> singles = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      singles.add(List.of(i));
    }
    return singles;
  }

  private static RuleInput toInput(ScoreRequest.Item item) {
    ScoreRequest.Reference ref = item.reference();
    return new RuleInput(
        item.id(),
        item.prompt(),
        item.completion(),
        ref == null ? null : new RuleInput.Reference(ref.answer(), ref.tests(), ref.language()),
        item.completionTokens(),
        item.maxTokens(),
        item.correct());
  }

  /** Item indexes by group, groups in order of first appearance, items in input order. */
  static List<List<Integer>> groups(List<ScoreRequest.Item> items) {
    Map<String, List<Integer>> byKey = new LinkedHashMap<>();
    for (int i = 0; i < items.size(); i++) {
      ScoreRequest.Item item = items.get(i);
      String key =
          item.groupId() != null
              ? "g\u0000" + item.groupId()
              : item.prompt() != null ? "p\u0000" + item.prompt() : "i\u0000" + i;
      byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
    }
    return List.copyOf(byKey.values());
  }

  @Override
  public void close() {
    scorer.close();
  }
}
