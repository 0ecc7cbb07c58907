package dev.grpo.reward.remote;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.reward.remote.RemoteRule.Health;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import dev.grpo.rule.RuleStatus;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class RemoteRuleTest {

  static FakeRuleService fake;
  static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() throws IOException {
    fake = new FakeRuleService();
  }

  @AfterAll
  static void stop() {
    fake.close();
  }

  private static RemoteRule rule(String url, Health health) {
    return new RemoteRule(
        "r", "1", url, Duration.ofSeconds(2), health, HTTP, JsonMapper.builder().build());
  }

  private static List<RuleInput> items(String... completions) {
    return java.util.Arrays.stream(completions).map(RuleInput::ofCompletion).toList();
  }

  @Test
  void scoresInOrderWithTheRemoteStatuses() {
    List<RuleResult> results =
        rule(fake.url("ok"), Health.UP).scoreGroup(items("abc", "n/a", "hello"), null);
    assertThat(results)
        .extracting(RuleResult::status)
        .containsExactly(RuleStatus.OK, RuleStatus.NOT_APPLICABLE, RuleStatus.OK);
    assertThat(results.get(0).score()).isEqualTo(3.0);
    assertThat(results.get(2).score()).isEqualTo(5.0);
    assertThat(results.get(1).details()).containsEntry("reason", "no idea");
  }

  @Test
  void aRefusedConnectionIsAnErrorWithTheReason() throws IOException {
    int freePort;
    try (ServerSocket socket = new ServerSocket(0)) {
      freePort = socket.getLocalPort();
    }
    List<RuleResult> results =
        rule("http://127.0.0.1:" + freePort, Health.UP).scoreGroup(items("a", "b"), null);
    assertThat(results).extracting(RuleResult::status).containsOnly(RuleStatus.ERROR);
    assertThat(results.get(0).details().get("reason").toString()).contains("could not be called");
  }

  @Test
  void aDownRuleAnswersErrorWithoutCalling() {
    int before = fake.calls.size();
    List<RuleResult> results = rule(fake.url("ok"), Health.DOWN).scoreGroup(items("a"), null);
    assertThat(results.get(0).status()).isEqualTo(RuleStatus.ERROR);
    assertThat(results.get(0).details()).containsEntry("reason", "rule service down");
    assertThat(fake.calls.size()).isEqualTo(before);
  }

  @Test
  void theRegisteredTimeoutIsTheBudgetAndNoParamsAreAccepted() {
    RemoteRule rule = rule(fake.url("ok"), Health.UP);
    assertThat(rule.timeBudget(null, Duration.ofMillis(200))).isEqualTo(Duration.ofSeconds(2));
    assertThat(rule.parseParams(Map.of())).isNotNull();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> rule.parseParams(Map.of("x", 1)))
        .isInstanceOf(dev.grpo.reward.rule.InvalidParamException.class);
  }

  private static RemoteRule limited(String url, RemoteCallLimits limits) {
    return new RemoteRule(
        "r",
        "1",
        url,
        Duration.ofSeconds(2),
        Health.UP,
        HTTP,
        JsonMapper.builder().build(),
        limits);
  }

  @Test
  void anAnswerOverTheSizeLimitIsAnErrorWithoutReadingItAll() {
    RemoteRule rule =
        limited(
            fake.url("huge"),
            new RemoteCallLimits(1 << 20, 1e6, 2, Duration.ofMillis(50), Duration.ofSeconds(1)));
    RuleResult result = rule.scoreGroup(items("a"), null).get(0);
    assertThat(result.status()).isEqualTo(RuleStatus.ERROR);
    assertThat(result.details().get("problem"))
        .isEqualTo("the answer is over the limit of 1048576 bytes");
  }

  @Test
  void aScoreBeyondTheAcceptedMagnitudeIsAnError() {
    RuleResult result = rule(fake.url("inf"), Health.UP).scoreGroup(items("a"), null).get(0);
    assertThat(result.status()).isEqualTo(RuleStatus.ERROR);
    assertThat(result.score()).isNull();
    assertThat(result.details().get("problem").toString())
        .isEqualTo("result 0 has a score beyond ±1000000.0: 1.0E308");
  }

  /**
   * The groups of one request to a slow but healthy rule (300 ms a call) queue for a one-slot
   * bulkhead instead of timing out: each waiting call sees a call in flight younger than the stuck
   * threshold. (With the old fixed 50 ms wait, three of the four were TIMEOUT.) The threshold and
   * the rule's timeout are far above 300 ms, so a loaded machine's slow calls cannot look stuck.
   */
  @Test
  void callsToASlowButHealthyRuleWaitTheirTurnAtAFullBulkhead() throws Exception {
    RemoteRule rule =
        new RemoteRule(
            "r",
            "1",
            fake.url("sluggish"),
            Duration.ofSeconds(30),
            Health.UP,
            HTTP,
            JsonMapper.builder().build(),
            new RemoteCallLimits(1 << 20, 1e6, 1, Duration.ofMillis(50), Duration.ofSeconds(15)));
    // the groups' own threads, as the scoring engine's: blocking the common pool's only worker (2
    // cores) would starve the HTTP client's completions, which run there on recent JDKs
    java.util.concurrent.ExecutorService scoringThreads =
        java.util.concurrent.Executors.newFixedThreadPool(4);
    List<java.util.concurrent.Future<List<RuleResult>>> groups = new ArrayList<>();
    for (String completion : List.of("a", "bb", "ccc", "dddd")) {
      groups.add(scoringThreads.submit(() -> rule.scoreGroup(items(completion), null)));
    }
    scoringThreads.shutdown();
    List<Double> scores = new ArrayList<>();
    for (var group : groups) {
      RuleResult r = group.get(60, java.util.concurrent.TimeUnit.SECONDS).get(0);
      assertThat(r.status()).as(String.valueOf(r.details())).isEqualTo(RuleStatus.OK);
      scores.add(r.score());
    }
    assertThat(scores).containsExactly(1.0, 2.0, 3.0, 4.0);
  }

  /**
   * A hung rule holds at most its bulkhead: with one slot taken by a call that never answers, the
   * next call answers TIMEOUT once the hung call looks stuck (here after 100 ms), not after the 2 s
   * call timeout.
   */
  @Test
  void aFullBulkheadAnswersTimeoutOnceTheCallInFlightLooksStuck() throws Exception {
    RemoteRule rule =
        limited(
            fake.url("hang"),
            new RemoteCallLimits(1 << 20, 1e6, 1, Duration.ofMillis(50), Duration.ofMillis(100)));
    int before = fake.hanging.get();
    var first =
        java.util.concurrent.CompletableFuture.supplyAsync(() -> rule.scoreGroup(items("a"), null));
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (fake.hanging.get() == before && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    long start = System.nanoTime();
    RuleResult second = rule.scoreGroup(items("b"), null).get(0);
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(second.status()).isEqualTo(RuleStatus.TIMEOUT);
    assertThat(second.details().get("reason").toString())
        .isEqualTo("remote rule r has 1 calls in flight already (its bulkhead is full)");
    assertThat(tookMs).as("the stuck check, not the call timeout").isLessThan(1_500);
    RuleResult firstResult = first.get(10, java.util.concurrent.TimeUnit.SECONDS).get(0);
    assertThat(firstResult.status()).isEqualTo(RuleStatus.TIMEOUT);
    assertThat(firstResult.details().get("reason").toString())
        .isEqualTo("remote rule r did not answer within 2000 ms");
  }
}
