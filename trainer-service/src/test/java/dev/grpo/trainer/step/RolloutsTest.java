package dev.grpo.trainer.step;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.api.run.RunSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.client.HttpClientErrorException;

class RolloutsTest {

  private final RunSpec spec =
      StepFixtures.spec(
          """
          {"rollout": {"temperature": 0.7, "topP": 0.9, "maxTokens": 12, "backend": "pods"}}
          """);

  private static HttpClientErrorException conflict(String type) {
    return HttpClientErrorException.create(
        HttpStatus.CONFLICT,
        "Conflict",
        new HttpHeaders(),
        ("{\"type\": \"" + type + "\"}").getBytes(StandardCharsets.UTF_8),
        StandardCharsets.UTF_8);
  }

  @Test
  void sendsTheRunsSamplingSettingsAndTheTokenizedPrompts() {
    FakeServices fake = FakeServices.scoringTextAsNumber((item, k) -> "1");

    StepFixtures.rollouts(spec, fake).sample(2, 3, StepFixtures.items("train", "a"), 4, 99L);

    var request = fake.rollouts.get(0);
    assertThat(request.step()).isEqualTo(2);
    assertThat(request.policyVersion()).isEqualTo(3L);
    assertThat(request.n()).isEqualTo(4);
    assertThat(request.backend()).isEqualTo("pods");
    assertThat(request.sampling().temperature()).isEqualTo(0.7);
    assertThat(request.sampling().topP()).isEqualTo(0.9);
    assertThat(request.sampling().maxTokens()).isEqualTo(12);
    assertThat(request.sampling().seed()).isEqualTo(99L);
    // "Q: p-a" in characters, led by BOS
    assertThat(request.prompts().get(0).tokenIds())
        .containsExactlyElementsOf(
            StepFixtures.encoder().boxedIds(StepFixtures.items("t", "a").get(0)));
    assertThat(request.prompts().get(0).tokenIds()).hasSize(7);
  }

  @Test
  void aBackendThatLostThePolicyIsSyncedAgainAndAskedAgain() {
    FakeServices fake = FakeServices.scoringTextAsNumber((item, k) -> "1");
    fake.rolloutFailure = r -> fake.rollouts.size() == 1 ? conflict("policy-version-ahead") : null;
    Rollouts rollouts =
        new Rollouts(
            StepFixtures.RUN,
            spec.rollout(),
            StepFixtures.encoder(),
            fake.calls(),
            StepFixtures.publisher(spec, fake, Path.of("/data/run"), 2),
            () -> true);

    var response = rollouts.sample(0, 5, StepFixtures.items("train", "a"), 2, 1L);

    assertThat(response.results().get(0).samples()).hasSize(2);
    assertThat(fake.rollouts).hasSize(2);
    assertThat(fake.syncs).hasSize(1);
    assertThat(fake.syncs.get(0).policyVersion()).isEqualTo(5L);
    assertThat(fake.syncs.get(0).checkpointUri()).isEqualTo("file:///data/run/policy/v5");
  }

  @Test
  void anyOtherRefusalFailsTheCall() {
    FakeServices fake = FakeServices.scoringTextAsNumber((item, k) -> "1");
    fake.rolloutFailure = r -> conflict("something-else");

    assertThatThrownBy(
            () ->
                StepFixtures.rollouts(spec, fake)
                    .sample(0, 5, StepFixtures.items("train", "a"), 2, 1L))
        .isInstanceOf(ServiceCalls.CallFailedException.class)
        .hasMessageContaining("409");
    assertThat(fake.syncs).isEmpty();
  }
}
