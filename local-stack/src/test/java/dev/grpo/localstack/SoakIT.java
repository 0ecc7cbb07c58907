package dev.grpo.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two-minute version of {@code grpo soak} (the 30-minute one is a command, outside the suite):
 * four clients of mixed, partly hostile traffic against a real local stack with a run training.
 */
class SoakIT {

  @TempDir Path state;

  @Test
  void twoMinutesOfHostileTrafficAreAllAnsweredAndNothingDies() throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("GRPO_HOME", Path.of("..").toAbsolutePath().normalize().toString());
    env.put("GRPO_STATE_DIR", state.toString());
    for (String port :
        new String[] {
          "GRPO_TRAINER_PORT", "GRPO_ROLLOUT_PORT", "GRPO_REWARD_PORT", "GRPO_PG_PORT"
        }) {
      env.put(port, Integer.toString(freePort()));
    }
    env.put("GRPO_JAVA_OPTS", "-Xmx768m -XX:TieredStopAtLevel=1");
    StackConfig config = StackConfig.fromEnvironment(env);
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(console, true, StandardCharsets.UTF_8);
    SoakReport report;
    try (LocalStack stack = new LocalStack(config, out)) {
      stack.start();
      report = new Soak(config, out).run(stack, Duration.ofMinutes(2), 4);
    }
    String table = console.toString(StandardCharsets.UTF_8);
    System.out.println(table);
    assertThat(report.rows()).hasSize(9);
    assertThat(report.rows()).allSatisfy(r -> assertThat(r.requests()).isPositive());
    assertThat(report.passed()).as(table).isTrue();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
