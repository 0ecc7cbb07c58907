package dev.grpo.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.localstack.DemoReport.EvalResult;
import dev.grpo.localstack.DemoReport.StepProgress;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code ./grpo demo} end to end against the real local stack (the service jars built earlier in
 * this reactor), with the shipped demo spec cut short: six cold-start epochs over 160 examples,
 * four GRPO steps, an evaluation every two.
 */
class DemoIT {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir Path state;

  /** The shipped spec with a short schedule: what the demo does, minus most of the training. */
  static String shortSpec() {
    ObjectNode spec = (ObjectNode) JSON.readTree(Demo.defaultSpec());
    spec.put("name", "demo-it");
    ((ObjectNode) spec.path("coldStart")).put("epochs", 6).put("examples", 160);
    ObjectNode schedule = (ObjectNode) spec.path("schedule");
    schedule.put("steps", 4);
    schedule.put("evalEvery", 2);
    schedule.put("checkpointEvery", 2);
    return JSON.writeValueAsString(spec);
  }

  // Over 80 lines on purpose: one demo run end to end, compared row by row with the ledger.
  @Test
  @Timeout(value = 20, unit = TimeUnit.MINUTES)
  void theDemoTrainsItsRunAndTheTableShowsTheLedgersEvaluations() throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("GRPO_HOME", Path.of("..").toAbsolutePath().normalize().toString());
    env.put("GRPO_STATE_DIR", state.toString());
    env.put("GRPO_TRAINER_PORT", Integer.toString(freePort()));
    env.put("GRPO_ROLLOUT_PORT", Integer.toString(freePort()));
    env.put("GRPO_REWARD_PORT", Integer.toString(freePort()));
    env.put("GRPO_PG_PORT", Integer.toString(freePort()));
    env.put("GRPO_JAVA_OPTS", "-Xmx512m -XX:TieredStopAtLevel=1");
    StackConfig config = StackConfig.fromEnvironment(env);

    ByteArrayOutputStream console = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(console, true, StandardCharsets.UTF_8);
    try (LocalStack stack = new LocalStack(config, out)) {
      Instant started = Instant.now();
      stack.start();
      Demo.Result result =
          new Demo(stack, out, false)
              .run(shortSpec(), Duration.between(started, Instant.now()), started);
      String printed = console.toString(StandardCharsets.UTF_8);
      System.out.print(printed); // in the failsafe report

      assertThat(result.state()).as(printed).isEqualTo("SUCCEEDED");
      assertThat(result.error()).isNull();
      assertThat(result.steps()).extracting(StepProgress::step).containsExactly(0, 1, 2, 3);
      assertThat(result.steps()).allSatisfy(s -> assertThat(s.state()).isEqualTo("DONE"));
      assertThat(result.steps())
          .allSatisfy(s -> assertThat(s.rewardMean()).isNotNull().isBetween(0.0, 1.2));
      assertThat(result.evals()).extracting(EvalResult::step).containsExactly(0, 2, 4);
      assertThat(result.evals().get(0).coldStart()).isNotNull();
      assertThat(result.evals().get(0).coldStart().epochs()).isEqualTo(6);

      // the ledger's evaluations are the ones the stream sent and the table shows
      String trainer = config.services().get(0).url();
      HttpClient http = HttpClient.newHttpClient();
      JsonNode evals =
          JSON.readTree(
                  http.send(
                          HttpRequest.newBuilder(
                                  URI.create(trainer + "/api/v1/runs/" + result.runId() + "/evals"))
                              .header("Authorization", "Bearer " + config.apiKey())
                              .build(),
                          HttpResponse.BodyHandlers.ofString())
                      .body())
              .path("evals");
      List<Integer> evalSteps = new ArrayList<>();
      evals.forEach(e -> evalSteps.add(e.path("step").asInt()));
      assertThat(evalSteps).containsExactly(0, 2, 4);
      JsonNode before = evals.get(0).path("metrics");
      JsonNode after = evals.get(2).path("metrics");
      assertThat(result.evals().get(0).accuracy()).isEqualTo(before.path("accuracy").asDouble());
      assertThat(result.evals().get(2).accuracy()).isEqualTo(after.path("accuracy").asDouble());

      assertThat(result.table()).isNotNull();
      List<String> table = result.table().lines().toList();
      assertThat(table).hasSize(6);
      assertThat(table.get(1))
          .startsWith("after cold-start SFT")
          .contains(
              three(before.path("accuracy").asDouble()),
              three(before.path("format_rate").asDouble()));
      assertThat(table.get(2))
          .startsWith("after RL (4 steps)")
          .contains(
              three(after.path("accuracy").asDouble()),
              three(after.path("format_rate").asDouble()));
      assertThat(table.get(3)).startsWith("change");
      assertThat(table.get(4)).startsWith("wall time: stack start ").contains(" s/step), total ");
      assertThat(table.get(5))
          .isEqualTo(
              "held out by problem: 200 of the 8100 two-digit sums are evaluated and never trained"
                  + " on; SFT and RL read only the other 7900");

      assertThat(printed)
          .contains(
              "cold start (SFT on 160 formatted examples) ...",
              "cold start done: 60 updates (6 epochs)",
              "eval @ step 0: held-out accuracy ",
              "eval @ step 2: held-out accuracy ",
              "eval @ step 4: held-out accuracy ",
              "step   1/4 [#####...............] reward ",
              "step   4/4 [####################] reward ",
              result.table());
      // one line per step when the output is not a terminal: no carriage returns
      assertThat(printed).doesNotContain("\r");

      JsonNode run =
          JSON.readTree(
              http.send(
                      HttpRequest.newBuilder(URI.create(trainer + "/api/v1/runs/" + result.runId()))
                          .header("Authorization", "Bearer " + config.apiKey())
                          .build(),
                      HttpResponse.BodyHandlers.ofString())
                  .body());
      assertThat(run.path("state").asString()).isEqualTo("SUCCEEDED");
      assertThat(run.path("currentStep").asInt()).isEqualTo(4);
    }
  }

  private static String three(double value) {
    return String.format(Locale.ROOT, "%.3f", value);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
