package dev.grpo.rule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.rule.DeadlineScorer.Done;
import dev.grpo.rule.DeadlineScorer.Job;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeadlineScorerTest {

  private final DeadlineScorer scorer = DeadlineScorer.onPlatformThreads(2, "test-rule-");

  @AfterEach
  void close() {
    scorer.close();
  }

  /** Scores the completion's length; "slow" sleeps (interruptibly) for 10 s first. */
  static class LengthRule implements RewardRule {
    final AtomicBoolean interrupted = new AtomicBoolean();
    final AtomicInteger calls = new AtomicInteger();

    @Override
    public String name() {
      return "length";
    }

    @Override
    public String version() {
      return "1";
    }

    @Override
    public RuleResult score(RuleInput input) {
      calls.incrementAndGet();
      if (input.completion().equals("slow")) {
        try {
          Thread.sleep(10_000);
        } catch (InterruptedException e) {
          interrupted.set(true);
          Thread.currentThread().interrupt();
        }
      }
      return RuleResult.ok(input.completion().length());
    }
  }

  private static Job job(RewardRule rule, Duration budget, String... completions) {
    return new Job(
        rule, List.of(completions).stream().map(RuleInput::ofCompletion).toList(), budget);
  }

  @Test
  void aJobPastItsBudgetIsATimeoutAndItsThreadIsInterrupted() throws Exception {
    LengthRule rule = new LengthRule();
    long start = System.nanoTime();
    List<Done> done =
        scorer.run(
            List.of(
                job(rule, Duration.ofMillis(200), "ab"),
                job(rule, Duration.ofMillis(200), "slow"),
                job(rule, Duration.ofMillis(200), "abcd")));
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(done.get(0).results()).containsExactly(RuleResult.ok(2));
    assertThat(done.get(1).results())
        .containsExactly(
            RuleResult.timeout("rule length took longer than its time budget of 200 ms per item"));
    assertThat(done.get(2).results()).containsExactly(RuleResult.ok(4));
    assertThat(done.get(1).elapsedNanos()).isGreaterThanOrEqualTo(200_000_000L);
    assertThat(tookMs).as("the 200 ms budget, not the 10 s sleep").isLessThan(5_000);
    long waitUntil = System.currentTimeMillis() + 2_000;
    while (!rule.interrupted.get() && System.currentTimeMillis() < waitUntil) {
      Thread.sleep(10);
    }
    assertThat(rule.interrupted).isTrue();
  }

  @Test
  void aGroupJobHasItsBudgetForTheWholeGroupAndNamesThePerItemShare() {
    LengthRule rule = new LengthRule();
    List<Done> done = scorer.run(List.of(job(rule, Duration.ofMillis(300), "a", "slow", "c")));
    assertThat(done.get(0).results())
        .containsExactly(
            RuleResult.timeout("rule length took longer than its time budget of 100 ms per item"),
            RuleResult.timeout("rule length took longer than its time budget of 100 ms per item"),
            RuleResult.timeout("rule length took longer than its time budget of 100 ms per item"));
  }

  @Test
  void aJobThatCannotStartBeforeTheBatchDeadlineIsATimeoutAndNeverRuns() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger waitingCalls = new AtomicInteger();
    RewardRule runaway =
        new LengthRule() {
          @Override
          public RuleResult score(RuleInput input) {
            if (!input.completion().equals("stuck")) {
              waitingCalls.incrementAndGet();
              return RuleResult.ok(1);
            }
            while (true) { // ignores interrupts, like a runaway regex
              try {
                if (release.await(5, TimeUnit.SECONDS)) {
                  return RuleResult.ok(5);
                }
              } catch (InterruptedException ignored) {
                // keep going
              }
            }
          }
        };
    // one worker, two jobs of 100 ms: the batch deadline is 200 / 1 + 100 = 300 ms
    try (DeadlineScorer one = DeadlineScorer.onPlatformThreads(1, "one-rule-")) {
      long start = System.nanoTime();
      List<Done> done =
          one.run(
              List.of(
                  job(runaway, Duration.ofMillis(100), "stuck"),
                  job(runaway, Duration.ofMillis(100), "waits")));
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(done.get(0).results().get(0).status()).isEqualTo(RuleStatus.TIMEOUT);
      assertThat(done.get(1).results())
          .containsExactly(
              RuleResult.timeout(
                  "not started within the batch's time budget: every rule worker was busy"));
      assertThat(done.get(1).elapsedNanos()).isZero();
      assertThat(tookMs).isBetween(290L, 10_000L);
      release.countDown();
      Thread.sleep(200); // the freed worker picks up the abandoned job, which must not run
      assertThat(waitingCalls).hasValue(0);
    } finally {
      release.countDown();
    }
  }

  @Test
  void aRuleThatBreaksItsContractGivesErrorsNeverScores() {
    RewardRule nan =
        new LengthRule() {
          @Override
          public RuleResult score(RuleInput input) {
            return RuleResult.ok(input.completion().equals("inf") ? Double.POSITIVE_INFINITY : 1);
          }
        };
    RewardRule dropsOne =
        new LengthRule() {
          @Override
          public List<RuleResult> scoreGroup(List<RuleInput> group) {
            return List.of(RuleResult.ok(1));
          }
        };
    RewardRule nothing =
        new LengthRule() {
          @Override
          public RuleResult score(RuleInput input) {
            return null;
          }
        };
    List<Done> done =
        scorer.run(
            List.of(
                job(nan, Duration.ofSeconds(1), "inf"),
                job(dropsOne, Duration.ofSeconds(1), "a", "b"),
                job(nothing, Duration.ofSeconds(1), "a")));

    RuleResult nonFinite = done.get(0).results().get(0);
    assertThat(nonFinite.status()).isEqualTo(RuleStatus.ERROR);
    assertThat(nonFinite.score()).isNull();
    assertThat(nonFinite.details())
        .containsEntry(
            "reason",
            "rule length threw IllegalArgumentException: an OK result needs a finite score, got"
                + " Infinity");
    assertThat(done.get(1).results())
        .containsExactly(
            RuleResult.error("rule returned 1 results for 2 items"),
            RuleResult.error("rule returned 1 results for 2 items"));
    assertThat(done.get(2).results()).containsExactly(RuleResult.error("rule returned no result"));
  }

  @Test
  void anInterruptedCallerAnswersTimeoutAndInterruptsTheRunningJob() throws Exception {
    LengthRule rule = new LengthRule();
    Thread.currentThread().interrupt();
    List<Done> done = scorer.run(List.of(job(rule, Duration.ofSeconds(30), "slow")));
    assertThat(Thread.interrupted()).isTrue();
    assertThat(done.get(0).results())
        .containsExactly(RuleResult.timeout("the scoring request was interrupted"));
  }

  @Test
  void onlyRulesThatOverrideScoreGroupAreGroupLevel() {
    assertThat(RewardRule.isGroupLevel(new LengthRule())).isFalse();
    assertThat(
            RewardRule.isGroupLevel(
                new LengthRule() {
                  @Override
                  public List<RuleResult> scoreGroup(List<RuleInput> group) {
                    return List.of();
                  }
                }))
        .isTrue();
  }
}
