package dev.grpo.rulestarter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.grpo.api.reward.remote.RemoteScoreRequest;
import dev.grpo.api.reward.remote.RemoteScoreResponse.Result;
import dev.grpo.rule.RewardRule;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import dev.grpo.rule.RuleStatus;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RuleScorerTest {

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final List<RuleScorer> scorers = new ArrayList<>();

  @AfterEach
  void close() {
    scorers.forEach(RuleScorer::close);
  }

  private RuleScorer scorer(RewardRule rule, Duration budget, int parallelism, boolean virtual) {
    RuleScorer scorer = new RuleScorer(rule, budget, parallelism, virtual, meters);
    scorers.add(scorer);
    return scorer;
  }

  private static List<RemoteScoreRequest.Item> items(String... completions) {
    return Arrays.stream(completions)
        .map(c -> new RemoteScoreRequest.Item(null, null, c, null))
        .toList();
  }

  /** Scores the length of the completion; throws on "boom", answers null on "null". */
  static class LengthRule implements RewardRule {
    @Override
    public String name() {
      return "length_test";
    }

    @Override
    public String version() {
      return "1";
    }

    @Override
    public RuleResult score(RuleInput item) {
      return switch (item.completion()) {
        case "boom" -> throw new IllegalStateException("cannot score boom");
        case "null" -> null;
        case "n/a" -> RuleResult.notApplicable("nothing to compare");
        default ->
            RuleResult.ok(item.completion().length(), Map.of("chars", item.completion().length()));
      };
    }
  }

  @Test
  void scoresEachItemInOrderAndTurnsBadItemsAndFailuresIntoExplicitStatuses() {
    RuleScorer scorer = scorer(new LengthRule(), Duration.ofSeconds(2), 0, false);
    List<RemoteScoreRequest.Item> items = new ArrayList<>(items("abc", "boom", "n/a"));
    items.add(null);
    items.add(new RemoteScoreRequest.Item("x", "p", null, null));
    items.add(new RemoteScoreRequest.Item("y", null, "null", null));
    items.add(new RemoteScoreRequest.Item("z", null, "hello", null));

    List<Result> results = scorer.score(items);

    assertThat(results)
        .extracting(Result::status)
        .containsExactly(
            RuleStatus.OK,
            RuleStatus.ERROR,
            RuleStatus.NOT_APPLICABLE,
            RuleStatus.INVALID_INPUT,
            RuleStatus.INVALID_INPUT,
            RuleStatus.ERROR,
            RuleStatus.OK);
    assertThat(results.get(0).score()).isEqualTo(3.0);
    assertThat(results.get(0).details()).containsEntry("chars", 3);
    assertThat(results.get(1).score()).isNull();
    assertThat(results.get(1).details())
        .containsEntry("reason", "rule length_test threw IllegalStateException: cannot score boom")
        .containsEntry("exception", "java.lang.IllegalStateException");
    assertThat(results.get(2).details()).containsEntry("reason", "nothing to compare");
    assertThat(results.get(3).details()).containsEntry("reason", "item 3 is null");
    assertThat(results.get(4).details()).containsEntry("reason", "item 4 has no completion");
    assertThat(results.get(5).details()).containsEntry("reason", "rule returned no result");
    assertThat(results.get(6).score()).isEqualTo(5.0);

    assertThat(meters.counter("reward.rule.results", "rule", "length_test", "status", "OK").count())
        .isEqualTo(2.0);
    assertThat(
            meters.counter("reward.rule.results", "rule", "length_test", "status", "ERROR").count())
        .isEqualTo(2.0);
    assertThat(
            meters
                .counter("reward.rule.results", "rule", "length_test", "status", "INVALID_INPUT")
                .count())
        .isEqualTo(2.0);
    // one timer sample per item the rule saw: 5 of the 7
    assertThat(meters.timer("reward.rule.duration", "rule", "length_test").count()).isEqualTo(5);
  }

  @ParameterizedTest(name = "virtual threads: {0}")
  @ValueSource(booleans = {false, true})
  void anItemPastItsBudgetIsATimeoutAndItsThreadIsInterrupted(boolean virtual) throws Exception {
    AtomicBoolean interrupted = new AtomicBoolean();
    RewardRule slowOnSlow =
        new LengthRule() {
          @Override
          public RuleResult score(RuleInput item) {
            if (item.completion().equals("slow")) {
              try {
                Thread.sleep(10_000);
              } catch (InterruptedException e) {
                interrupted.set(true);
                Thread.currentThread().interrupt();
              }
              return RuleResult.ok(99);
            }
            return super.score(item);
          }
        };
    RuleScorer scorer = scorer(slowOnSlow, Duration.ofMillis(150), 0, virtual);

    long start = System.nanoTime();
    List<Result> results = scorer.score(items("ab", "slow", "abcd"));
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(results)
        .extracting(Result::status)
        .containsExactly(RuleStatus.OK, RuleStatus.TIMEOUT, RuleStatus.OK);
    assertThat(results.get(1).score()).isNull();
    assertThat(results.get(1).details().get("reason"))
        .isEqualTo("rule length_test took longer than its time budget of 150 ms per item");
    assertThat(results.get(2).score()).isEqualTo(4.0);
    assertThat(tookMs).as("the 150 ms budget, not the 10 s sleep").isLessThan(8_000);
    long waitUntil = System.currentTimeMillis() + 2_000;
    while (!interrupted.get() && System.currentTimeMillis() < waitUntil) {
      Thread.sleep(10);
    }
    assertThat(interrupted).isTrue();
  }

  @ParameterizedTest(name = "virtual threads: {0}")
  @ValueSource(booleans = {false, true})
  void itemsRunInParallel(boolean virtual) {
    // each item waits until all four are running: scored one after another, none would get there
    CountDownLatch allRunning = new CountDownLatch(4);
    RewardRule meeting =
        new LengthRule() {
          @Override
          public RuleResult score(RuleInput item) {
            allRunning.countDown();
            try {
              return allRunning.await(4, TimeUnit.SECONDS)
                  ? RuleResult.ok(1)
                  : RuleResult.ok(0, Map.of("alone", true));
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return RuleResult.ok(-1);
            }
          }
        };
    RuleScorer scorer = scorer(meeting, Duration.ofSeconds(5), 4, virtual);

    List<Result> results = scorer.score(items("a", "b", "c", "d"));

    assertThat(results).extracting(Result::score).containsExactly(1.0, 1.0, 1.0, 1.0);
  }

  @ParameterizedTest(name = "virtual threads: {0}")
  @ValueSource(booleans = {false, true})
  void anItemThatCannotStartBeforeTheBatchDeadlineIsATimeout(boolean virtual) throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    RewardRule stuck =
        new LengthRule() {
          @Override
          public RuleResult score(RuleInput item) {
            if (item.completion().equals("stuck")) {
              // ignores interrupts, like a runaway regex
              while (true) {
                try {
                  if (release.await(5, TimeUnit.SECONDS)) {
                    break;
                  }
                } catch (InterruptedException ignored) {
                  // keep going
                }
              }
            }
            return super.score(item);
          }
        };
    // a budget long enough that the stuck item surely starts first on a loaded machine: the batch
    // deadline (1.5 s) is what the waiting item has, the stuck one holds the only worker past it
    RuleScorer scorer = scorer(stuck, Duration.ofMillis(500), 1, virtual);
    try {
      List<Result> results = scorer.score(items("stuck", "waits"));
      assertThat(results)
          .extracting(Result::status)
          .containsExactly(RuleStatus.TIMEOUT, RuleStatus.TIMEOUT);
      assertThat(results.get(1).details().get("reason"))
          .isEqualTo("not started within the batch's time budget: every rule worker was busy");
    } finally {
      release.countDown();
    }
  }

  /** Scores each completion by its rank of length within the group. */
  static final class RankRule extends LengthRule {
    final List<Integer> groupSizes = new ArrayList<>();

    @Override
    public List<RuleResult> scoreGroup(List<RuleInput> group) {
      groupSizes.add(group.size());
      List<Integer> lengths = group.stream().map(i -> i.completion().length()).toList();
      return lengths.stream()
          .map(l -> RuleResult.ok(lengths.stream().filter(o -> o < l).count()))
          .toList();
    }
  }

  @Test
  void aGroupLevelRuleGetsTheValidItemsInOneCall() {
    RankRule rule = new RankRule();
    RuleScorer scorer = scorer(rule, Duration.ofSeconds(1), 0, false);
    assertThat(scorer.groupLevel()).isTrue();
    List<RemoteScoreRequest.Item> items = new ArrayList<>(items("ccc", "a"));
    items.add(1, new RemoteScoreRequest.Item("bad", null, null, null));
    items.add(new RemoteScoreRequest.Item("b", null, "bb", null));

    List<Result> results = scorer.score(items);

    assertThat(rule.groupSizes).containsExactly(3);
    assertThat(results)
        .extracting(Result::status)
        .containsExactly(RuleStatus.OK, RuleStatus.INVALID_INPUT, RuleStatus.OK, RuleStatus.OK);
    assertThat(results).extracting(Result::score).containsExactly(2.0, null, 0.0, 1.0);
    assertThat(scorer(new LengthRule(), Duration.ofSeconds(1), 1, false).groupLevel()).isFalse();
  }

  @Test
  void aGroupLevelRuleWithTheWrongNumberOfResultsIsAnErrorForEveryItem() {
    RewardRule dropsOne =
        new LengthRule() {
          @Override
          public List<RuleResult> scoreGroup(List<RuleInput> group) {
            return List.of(RuleResult.ok(1));
          }
        };
    List<Result> results = scorer(dropsOne, Duration.ofSeconds(1), 0, false).score(items("a", "b"));
    assertThat(results).extracting(Result::status).containsOnly(RuleStatus.ERROR);
    assertThat(results.get(0).details().get("reason"))
        .isEqualTo("rule returned 1 results for 2 items");
  }

  @Test
  void anOkWithoutAFiniteScoreCannotLeaveTheRule() {
    RewardRule nan =
        new LengthRule() {
          @Override
          public RuleResult score(RuleInput item) {
            return RuleResult.ok(Double.NaN);
          }
        };
    Result result = scorer(nan, Duration.ofSeconds(1), 0, false).score(items("a")).get(0);
    assertThat(result.status()).isEqualTo(RuleStatus.ERROR);
    assertThat(result.details().get("reason").toString())
        .contains("IllegalArgumentException")
        .contains("finite score");
  }

  @Test
  void anEmptyBatchHasNoResults() {
    assertThat(scorer(new LengthRule(), Duration.ofSeconds(1), 0, false).score(List.of()))
        .isEmpty();
  }

  @Test
  void itemsRunOnVirtualThreadsWhenTheJvmHasThem() throws Exception {
    List<Thread> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
    RewardRule recording =
        new LengthRule() {
          @Override
          public RuleResult score(RuleInput item) {
            threads.add(Thread.currentThread());
            return super.score(item);
          }
        };
    RuleScorer scorer = scorer(recording, Duration.ofSeconds(1), 0, true);
    List<Result> results = scorer.score(items("a", "bb"));
    assertThat(results).extracting(Result::score).containsExactly(1.0, 2.0);
    assertThat(scorer.virtualThreads()).isEqualTo(Runtime.version().feature() >= 21);
    assumeThat(Runtime.version().feature())
        .as("virtual threads need Java 21")
        .isGreaterThanOrEqualTo(21);
    java.lang.reflect.Method isVirtual = Thread.class.getMethod("isVirtual");
    for (Thread t : threads) {
      assertThat((Boolean) isVirtual.invoke(t)).isTrue();
      assertThat(t.getName()).startsWith("reward-rule-");
    }
  }
}
