package dev.grpo.reward.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.api.reward.ScoreRequest;
import dev.grpo.reward.BuiltInRules;
import dev.grpo.reward.rule.ConfigurableRule;
import dev.grpo.reward.rule.ConfiguredRule;
import dev.grpo.reward.rule.ParamSchema;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ScoringEngineTest {

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  /** Sleeps (interruptibly) when the completion says "slow", else scores its length. */
  static final class SleepyRule implements ConfigurableRule<Object> {
    @Override
    public String name() {
      return "sleepy";
    }

    @Override
    public String version() {
      return "1";
    }

    @Override
    public String description() {
      return "test";
    }

    @Override
    public ParamSchema paramSchema() {
      return ParamSchema.of();
    }

    @Override
    public Object parseParams(Map<String, ?> rawParams) {
      return new Object();
    }

    @Override
    public RuleResult score(RuleInput input, Object params) {
      if (input.completion().equals("slow")) {
        try {
          Thread.sleep(10_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return RuleResult.ok(input.completion().length(), Map.of());
    }
  }

  /** Spins, ignoring interrupts, until released: a runaway rule that holds its thread. */
  static final class RunawayRule implements ConfigurableRule<Object> {
    final AtomicBoolean release = new AtomicBoolean();
    final CountDownLatch started = new CountDownLatch(1);

    @Override
    public String name() {
      return "runaway";
    }

    @Override
    public String version() {
      return "1";
    }

    @Override
    public String description() {
      return "test";
    }

    @Override
    public ParamSchema paramSchema() {
      return ParamSchema.of();
    }

    @Override
    public Object parseParams(Map<String, ?> rawParams) {
      return new Object();
    }

    @Override
    public RuleResult score(RuleInput input, Object params) {
      started.countDown();
      while (!release.get()) {
        Thread.onSpinWait();
      }
      return RuleResult.ok(1, Map.of());
    }
  }

  private static ScoreRequest.Item item(String id, String completion) {
    return new ScoreRequest.Item(id, null, completion, null, null, null, null, null, null);
  }

  @Test
  void aSlowRuleIsATimeoutForItsItemOnlyAndTheCallReturnsWithinTheBudget() {
    try (ScoringEngine engine = new ScoringEngine(2, Duration.ofMillis(300), meters)) {
      WeightedRule sleepy = new WeightedRule(ConfiguredRule.of(new SleepyRule(), Map.of()), 1.0);
      long start = System.nanoTime();
      List<ScoredItem> scored =
          engine.score(
              List.of(sleepy), List.of(item("a", "ab"), item("b", "slow"), item("c", "c")));
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(tookMs).as("a 300 ms budget, not the 10 s sleep").isLessThan(5_000);
      assertThat(scored.get(0).rules().get(0).result().score()).isEqualTo(2.0);
      assertThat(scored.get(1).rules().get(0).result().status().name()).isEqualTo("TIMEOUT");
      assertThat(scored.get(1).rules().get(0).result().details().get("reason").toString())
          .contains("300 ms");
      assertThat(scored.get(2).rules().get(0).result().score()).isEqualTo(1.0);
      assertThat(scored.get(1).toResult().total()).isNull();
    }
  }

  @Test
  void whenRunawayRulesHoldEveryWorkerTheRestTimeOutInsteadOfHanging() throws Exception {
    RunawayRule runaway = new RunawayRule();
    // 250 ms: long enough that the runaway job surely starts first on a loaded machine
    try (ScoringEngine engine = new ScoringEngine(1, Duration.ofMillis(250), meters)) {
      WeightedRule stuck = new WeightedRule(ConfiguredRule.of(runaway, Map.of()), 1.0);
      WeightedRule format =
          new WeightedRule(BuiltInRules.registry().configure("format", Map.of()), 1.0);
      long start = System.nanoTime();
      List<ScoredItem> scored =
          engine.score(List.of(stuck, format), List.of(item("a", "x"), item("b", "y")));
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(tookMs).as("the batch deadline, not a hang").isLessThan(10_000);
      for (ScoredItem s : scored) {
        for (ScoredItem.ScoredRule r : s.rules()) {
          assertThat(r.result().status().name()).isEqualTo("TIMEOUT");
        }
      }
      assertThat(scored.get(1).rules().get(1).result().details().get("reason").toString())
          .contains("not started");
    } finally {
      runaway.release.set(true);
    }
  }

  @Test
  void manyItemsAreScoredInParallelAndKeepTheirOrder() {
    try (ScoringEngine engine = new ScoringEngine(4, Duration.ofSeconds(10), meters)) {
      WeightedRule sleepy = new WeightedRule(ConfiguredRule.of(new SleepyRule(), Map.of()), 2.0);
      List<ScoreRequest.Item> items = new ArrayList<>();
      for (int i = 0; i < 3000; i++) {
        items.add(item("i" + i, "x".repeat(i % 7)));
      }
      List<ScoredItem> scored = engine.score(List.of(sleepy), items);
      assertThat(scored).hasSize(3000);
      for (int i = 0; i < 3000; i++) {
        assertThat(scored.get(i).item().id()).isEqualTo("i" + i);
        assertThat(scored.get(i).toResult().total()).isEqualTo(2.0 * (i % 7));
      }
    }
    assertThat(meters.get("reward.rule.results").tag("rule", "sleepy").counter().count())
        .isEqualTo(3000);
    assertThat(meters.get("reward.rule.duration").tag("rule", "sleepy").timer().count())
        .isEqualTo(3000);
  }

  @Test
  void groupsFollowGroupIdThenPromptAndKeepInputOrder() {
    List<ScoreRequest.Item> items =
        List.of(
            new ScoreRequest.Item("0", "p", "a", null, null, null, null, null, "g1"),
            new ScoreRequest.Item("1", "p", "a", null, null, null, null, null, null),
            new ScoreRequest.Item("2", "q", "a", null, null, null, null, null, "g1"),
            new ScoreRequest.Item("3", "p", "a", null, null, null, null, null, null),
            new ScoreRequest.Item("4", null, "a", null, null, null, null, null, null),
            new ScoreRequest.Item("5", null, "a", null, null, null, null, null, null));
    assertThat(ScoringEngine.groups(items))
        .containsExactly(List.of(0, 2), List.of(1, 3), List.of(4), List.of(5));
  }

  @Test
  void onlyRulesThatOverrideScoreGroupAreGroupLevel() {
    assertThat(ScoringEngine.isGroupLevel(BuiltInRules.registry().find("length").orElseThrow()))
        .isTrue();
    assertThat(ScoringEngine.isGroupLevel(BuiltInRules.registry().find("format").orElseThrow()))
        .isFalse();
    assertThat(ScoringEngine.isGroupLevel(new SleepyRule())).isFalse();
  }

  /**
   * A completion over the size limit reaches no rule: each rule answers its own minimum (format 0,
   * repetition_penalty its max_penalty), recorded as an OVER_SIZE fault of the completion, and the
   * item's total is that sum, not a missing total a run could skip.
   */
  @Test
  void aCompletionOverTheSizeLimitScoresEachRulesMinimumWithoutRunningIt() {
    try (ScoringEngine engine = new ScoringEngine(2, Duration.ofSeconds(5), meters, 60)) {
      WeightedRule format =
          new WeightedRule(BuiltInRules.registry().configure("format", Map.of()), 1.0);
      WeightedRule repetition =
          new WeightedRule(
              BuiltInRules.registry().configure("repetition_penalty", Map.of("max_penalty", -0.75)),
              2.0);
      String ok = "<think>\na b c\n</think>\n<answer>\n1\n</answer>";
      String big = "<think>" + "x ".repeat(100) + "</think><answer>1</answer>";
      List<ScoredItem> scored =
          engine.score(List.of(format, repetition), List.of(item("ok", ok), item("big", big)));

      assertThat(scored.get(0).rules().get(0).result().score()).isEqualTo(1.0);
      assertThat(scored.get(0).rules().get(1).result().score()).isEqualTo(0.0);
      RuleResult bigFormat = scored.get(1).rules().get(0).result();
      RuleResult bigRepetition = scored.get(1).rules().get(1).result();
      assertThat(bigFormat.status().name()).isEqualTo("OK");
      assertThat(bigFormat.score()).isEqualTo(0.0);
      assertThat(bigRepetition.score()).isEqualTo(-0.75);
      assertThat(bigRepetition.details())
          .containsEntry("fault", "completion")
          .containsEntry("kind", "OVER_SIZE")
          .containsEntry("scoredAs", "minimum");
      assertThat(bigRepetition.details().get("reason").toString())
          .isEqualTo("the completion has " + big.length() + " characters, over the limit of 60");
      assertThat(scored.get(1).toResult().total()).isEqualTo(-1.5);
    }
  }

  /** A weighted score that overflows never becomes a total of Infinity. */
  @Test
  void anOverflowingWeightedScoreLeavesTheTotalMissing() {
    try (ScoringEngine engine = new ScoringEngine(1, Duration.ofSeconds(5), meters)) {
      WeightedRule huge =
          new WeightedRule(ConfiguredRule.of(new SleepyRule(), Map.of()), Double.MAX_VALUE);
      ScoredItem item = engine.score(List.of(huge, huge), List.of(item("a", "a"))).get(0);
      assertThat(item.toResult().total()).isNull();
      assertThat(item.toResult().partialTotal()).isEqualTo(Double.MAX_VALUE);
      assertThat(item.toResult().missingRules()).containsExactly("sleepy");
    }
  }
}
