package dev.grpo.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts the real local stack (embedded PostgreSQL and the three service jars built earlier in this
 * reactor), talks to it over HTTP, and stops it: nothing may be left running.
 */
class LocalStackIT {

  @TempDir Path state;

  @Test
  void theStackStartsServesRunsAndStopsEverything() throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("GRPO_HOME", Path.of("..").toAbsolutePath().normalize().toString());
    env.put("GRPO_STATE_DIR", state.toString());
    env.put("GRPO_TRAINER_PORT", Integer.toString(freePort()));
    env.put("GRPO_ROLLOUT_PORT", Integer.toString(freePort()));
    env.put("GRPO_REWARD_PORT", Integer.toString(freePort()));
    int pgPort = freePort();
    env.put("GRPO_PG_PORT", Integer.toString(pgPort));
    env.put("GRPO_JAVA_OPTS", "-Xmx512m -XX:TieredStopAtLevel=1");
    StackConfig config = StackConfig.fromEnvironment(env);
    assertThat(config.generatedKey()).isTrue();
    assertThat(config.apiKey()).startsWith("grpo_").hasSize(5 + 48);

    ByteArrayOutputStream console = new ByteArrayOutputStream();
    LocalStack stack =
        new LocalStack(config, new PrintStream(console, true, StandardCharsets.UTF_8));
    List<ProcessHandle> processes;
    try {
      stack.start();
      stack.printBanner();
      processes =
          stack.services().stream().map(s -> ProcessHandle.of(s.pid()).orElseThrow()).toList();
      String trainer = config.services().get(0).url();
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> created =
          http.send(
              HttpRequest.newBuilder(URI.create(trainer + "/api/v1/runs"))
                  .header("Authorization", "Bearer " + config.apiKey())
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"local\"}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      HttpResponse<String> anonymous =
          http.send(
              HttpRequest.newBuilder(URI.create(trainer + "/api/v1/runs"))
                  .POST(HttpRequest.BodyPublishers.ofString("{}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(anonymous.statusCode()).isEqualTo(401);
      for (StackConfig.ServiceSpec spec : config.services()) {
        HttpResponse<String> ready =
            http.send(
                HttpRequest.newBuilder(URI.create(spec.url() + "/actuator/health/readiness"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).as(spec.name()).isEqualTo(200);
      }
      String banner = console.toString(StandardCharsets.UTF_8);
      assertThat(banner).contains(config.apiKey()).contains(trainer).contains("Ctrl-C");
    } finally {
      stack.close();
    }
    assertThat(processes).allSatisfy(p -> assertThat(p.isAlive()).isFalse());
    assertThat(portOpen(pgPort)).as("PostgreSQL stopped").isFalse();
    assertThat(Files.exists(state.resolve("logs/trainer-service.log"))).isTrue();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static boolean portOpen(int port) {
    try (Socket s = new Socket("localhost", port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
