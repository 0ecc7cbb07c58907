package dev.grpo.reward.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SandboxPolicyTest {

  @Test
  void defaultsCapOutputAt64KiB() {
    SandboxPolicy p = SandboxPolicy.runDefaults();
    assertThat(p.stdoutLimitBytes()).isEqualTo(65536);
    assertThat(p.stderrLimitBytes()).isEqualTo(65536);
  }

  @Test
  void wallTimeoutAlsoSetsTheCpuLimit() {
    SandboxPolicy p = SandboxPolicy.runDefaults().withWallTimeout(Duration.ofMillis(1500));
    assertThat(p.wallTimeout()).isEqualTo(Duration.ofMillis(1500));
    assertThat(p.cpuSeconds()).isEqualTo(2);
    assertThat(SandboxPolicy.runDefaults().withWallTimeout(Duration.ofMillis(10)).cpuSeconds())
        .isEqualTo(1);
  }

  @Test
  void rejectsNonPositiveLimits() {
    assertThatThrownBy(() -> SandboxPolicy.runDefaults().withMemoryMb(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SandboxPolicy.runDefaults().withWallTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
