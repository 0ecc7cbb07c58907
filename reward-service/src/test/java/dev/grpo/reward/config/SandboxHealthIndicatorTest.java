package dev.grpo.reward.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.reward.judge.CodeExecutionRule;
import dev.grpo.reward.sandbox.SandboxAvailability;
import dev.grpo.reward.sandbox.SandboxConfig;
import dev.grpo.reward.sandbox.SandboxService;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import dev.grpo.rule.RuleStatus;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

class SandboxHealthIndicatorTest {

  @Test
  void withoutBubblewrapTheSandboxIsDownAndCodeRulesAnswerErrorNotZero() {
    SandboxService service =
        new SandboxService(
            SandboxConfig.defaults().withBwrap(Path.of("/nonexistent/bwrap")),
            1,
            4,
            new SimpleMeterRegistry());
    try {
      Health health = new SandboxHealthIndicator(service).health();
      assertThat(health.getStatus()).isEqualTo(Status.DOWN);
      assertThat(String.valueOf(health.getDetails().get("reason"))).isNotBlank();
      assertThatThrownBy(service::sandbox)
          .isInstanceOf(SandboxAvailability.SandboxUnavailableException.class);
      // the code rule answers ERROR, not 0: the model is not punished for a missing sandbox
      CodeExecutionRule rule = new CodeExecutionRule(service);
      RuleResult result =
          rule.score(
              new RuleInput(
                  "i",
                  "p",
                  "```python\nprint(1)\n```",
                  new RuleInput.Reference(null, List.of(Map.of("input", "", "output", "1")), null),
                  null,
                  null,
                  null),
              rule.parseParams(Map.of()));
      assertThat(result.status()).isEqualTo(RuleStatus.ERROR);
      assertThat(result.score()).isNull();
    } finally {
      service.close();
    }
  }
}
