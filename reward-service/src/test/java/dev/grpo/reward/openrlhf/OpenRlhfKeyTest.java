package dev.grpo.reward.openrlhf;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.reward.config.RewardProperties;
import dev.grpo.reward.math.MathAccuracyRule;
import dev.grpo.reward.rule.RuleRegistry;
import dev.grpo.reward.scoring.DefaultProfile;
import dev.grpo.web.ApiException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpenRlhfKeyTest {

  private static OpenRlhfController controller(boolean requireKey) {
    RewardProperties properties =
        new RewardProperties(
            "s3cret",
            Duration.ofMillis(200),
            100,
            0,
            1_000_000,
            org.springframework.util.unit.DataSize.ofMegabytes(64),
            null,
            new RewardProperties.OpenRlhf(true, requireKey, List.of()));
    return new OpenRlhfController(
        null,
        new DefaultProfile(List.of()),
        new RuleRegistry(List.of(new MathAccuracyRule())),
        null,
        properties,
        null);
  }

  @Test
  void openByDefault() {
    assertThatCode(() -> controller(false).checkKey(null, null)).doesNotThrowAnyException();
  }

  @Test
  void whenRequiredTheKeyComesAsBearerOrQueryParameter() {
    OpenRlhfController c = controller(true);
    assertThatCode(() -> c.checkKey("Bearer s3cret", null)).doesNotThrowAnyException();
    assertThatCode(() -> c.checkKey(null, "s3cret")).doesNotThrowAnyException();
    assertThatThrownBy(() -> c.checkKey(null, null))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("api_key");
    assertThatThrownBy(() -> c.checkKey("Bearer wrong", "wrong")).isInstanceOf(ApiException.class);
  }
}
