package dev.grpo.rulestarter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.rulestarter.RuleSelfRegistration.State;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class RuleSelfRegistrationTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static RuleSelfRegistration registration(String rewardUrl, int attempts) {
    RuleProperties.Register config =
        new RuleProperties.Register(
            URI.create(rewardUrl + "/"),
            "secret",
            null,
            Duration.ofMillis(2500),
            attempts,
            Duration.ofMillis(10));
    return new RuleSelfRegistration(new RuleScorerTest.LengthRule(), config, JSON);
  }

  @Test
  void retriesWhatMayChangeAndSendsTheRegistration() throws IOException {
    try (FakeRewardService reward = new FakeRewardService(503, 422)) {
      RuleSelfRegistration registration = registration(reward.url(), 5);

      State state = registration.registerWithRetries("http://localhost:9123");

      assertThat(state).isEqualTo(State.REGISTERED);
      assertThat(registration.status().attempts()).isEqualTo(3);
      assertThat(registration.status().rewardService()).isEqualTo(reward.url());
      assertThat(registration.status().selfUrl()).isEqualTo("http://localhost:9123");
      assertThat(reward.calls).hasSize(3);
      FakeRewardService.Call call = reward.calls.get(2);
      assertThat(call.method()).isEqualTo("POST");
      assertThat(call.path()).isEqualTo("/api/v1/rules");
      assertThat(call.authorization()).isEqualTo("Bearer secret");
      assertThat(call.contentType()).isEqualTo("application/json");
      JsonNode body = JSON.readTree(call.body());
      assertThat(body.get("name").asString()).isEqualTo("length_test");
      assertThat(body.get("version").asString()).isEqualTo("1");
      assertThat(body.get("url").asString()).isEqualTo("http://localhost:9123");
      assertThat(body.get("timeoutMs").asInt()).isEqualTo(2500);
      assertThat(body.size()).isEqualTo(4);
    }
  }

  @Test
  void aConflictIsFinalAtOnce() throws IOException {
    try (FakeRewardService reward = new FakeRewardService(409)) {
      RuleSelfRegistration registration = registration(reward.url(), 5);
      assertThat(registration.registerWithRetries("http://localhost:9123"))
          .isEqualTo(State.REFUSED);
      assertThat(reward.calls).hasSize(1);
      assertThat(registration.status().detail()).startsWith("HTTP 409");
    }
  }

  @Test
  void anUnreachableRewardServiceIsGivenUpOnAfterTheAttempts() throws IOException {
    int freePort;
    try (ServerSocket socket = new ServerSocket(0)) {
      freePort = socket.getLocalPort();
    }
    RuleSelfRegistration registration = registration("http://127.0.0.1:" + freePort, 3);
    assertThat(registration.registerWithRetries("http://localhost:9123")).isEqualTo(State.GAVE_UP);
    assertThat(registration.status().attempts()).isEqualTo(3);
    assertThat(registration.status().detail()).contains("ConnectException");
  }
}
