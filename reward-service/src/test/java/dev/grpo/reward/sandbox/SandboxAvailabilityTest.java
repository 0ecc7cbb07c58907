package dev.grpo.reward.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SandboxAvailabilityTest {

  @Test
  void missingBubblewrapIsReportedClearlyAndNothingStarts() {
    SandboxConfig config =
        SandboxConfig.defaults()
            .withBwrap(Path.of("/nonexistent/bwrap"))
            .withWorkRoot(Path.of("/tmp/grpo-sandbox-unit"));
    SandboxAvailability a = SandboxAvailability.probe(config);
    assertThat(a.available()).isFalse();
    assertThat(a.reason()).contains("/nonexistent/bwrap").contains("unsandboxed");
    assertThatThrownBy(() -> CodeSandbox.start(config))
        .isInstanceOf(SandboxAvailability.SandboxUnavailableException.class)
        .hasMessageContaining("bwrap");
  }

  @Test
  void configRejectsPrivilegedUids() {
    assertThatThrownBy(() -> SandboxConfig.defaults().withUids(0, 4))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SandboxConfig.defaults().withUids(65530, 10))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void fileNamesCannotEscape() {
    assertThat(CodeSandbox.checkedRelative("a/b.txt")).isEqualTo("a/b.txt");
    for (String bad : new String[] {"/etc/passwd", "../x", "a/../../x", "", "."}) {
      assertThatThrownBy(() -> CodeSandbox.checkedRelative(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
