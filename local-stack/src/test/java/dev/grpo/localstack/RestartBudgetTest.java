package dev.grpo.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RestartBudgetTest {

  private static final long MINUTE = Duration.ofMinutes(1).toNanos();

  @Test
  void allowsThreeRestartsPerServiceWithinTheWindowThenRefuses() {
    RestartBudget budget = new RestartBudget(3, Duration.ofMinutes(10));
    assertThat(budget.tryRestart("reward-service", 0)).isTrue();
    assertThat(budget.tryRestart("reward-service", 2 * MINUTE)).isTrue();
    assertThat(budget.tryRestart("reward-service", 4 * MINUTE)).isTrue();
    assertThat(budget.tryRestart("reward-service", 9 * MINUTE)).isFalse();
    // another service has its own budget
    assertThat(budget.tryRestart("trainer-service", 9 * MINUTE)).isTrue();
  }

  @Test
  void restartsOlderThanTheWindowNoLongerCount() {
    RestartBudget budget = new RestartBudget(2, Duration.ofMinutes(10));
    assertThat(budget.tryRestart("s", 0)).isTrue();
    assertThat(budget.tryRestart("s", 5 * MINUTE)).isTrue();
    assertThat(budget.tryRestart("s", 9 * MINUTE)).isFalse();
    // the first restart (t=0) left the window at t=10 min; the refused attempt was not counted
    assertThat(budget.tryRestart("s", 10 * MINUTE)).isTrue();
    assertThat(budget.tryRestart("s", 11 * MINUTE)).isFalse();
    assertThat(budget.tryRestart("s", 15 * MINUTE)).isTrue();
  }

  @Test
  void aZeroBudgetNeverRestartsAndABadWindowIsRejected() {
    assertThat(new RestartBudget(0, Duration.ofMinutes(1)).tryRestart("s", 0)).isFalse();
    assertThatThrownBy(() -> new RestartBudget(1, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
