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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class RemoteRuleTest {

  static FakeRuleService fake;
  static final HttpClient HTTP = HttpClient.newHttpClient();

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
}
