package dev.grpo.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.grpo.localstack.DemoReport.EvalResult;
import dev.grpo.localstack.DemoReport.StepProgress;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's client against a scripted trainer (no stack): what it sends, how it follows a stream
 * that drops, and what it prints.
 */
class DemoTest {

  private static final String KEY = "grpo_test-key";
  private static final String RUN =
      """
      {"id":"r1","name":"demo-test","state":"QUEUED","currentStep":0,
       "spec":{"schedule":{"steps":3,"promptsPerStep":2},"algorithm":{"groupSize":4},
               "coldStart":{"enabled":true,"examples":5}}}
      """
          .replace("\n", "");

  private HttpServer server;
  private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
  private final List<String> lastEventIds = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger connections = new AtomicInteger();
  private volatile List<String> firstStream;
  private volatile List<String> secondStream;

  @BeforeEach
  void startTrainer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
    server.createContext(
        "/api/v1/runs",
        exchange -> {
          String path = exchange.getRequestURI().getPath();
          requests.add(
              exchange.getRequestMethod()
                  + " "
                  + path
                  + " auth="
                  + exchange.getRequestHeaders().getFirst("Authorization")
                  + " key="
                  + exchange.getRequestHeaders().getFirst("Idempotency-Key"));
          if (path.equals("/api/v1/runs") && exchange.getRequestMethod().equals("POST")) {
            respond(exchange, 201, RUN);
          } else if (path.equals("/api/v1/runs")) {
            String state = exchange.getRequestURI().getQuery().replaceAll(".*state=(\\w+).*", "$1");
            respond(exchange, 200, "{\"items\":[" + String.join(",", others(state)) + "]}");
          } else if (path.matches("/api/v1/runs/\\w+/cancel")) {
            others.get(path.split("/")[4]).put("state", "CANCELLED");
            respond(exchange, 200, "{}");
          } else if (path.equals("/api/v1/runs/r1")) {
            String state = queuedPolls.getAndDecrement() > 0 ? "QUEUED" : "RUNNING";
            respond(exchange, 200, "{\"id\":\"r1\",\"state\":\"" + state + "\",\"currentStep\":0}");
          } else if (path.equals("/api/v1/runs/r1/events")) {
            lastEventIds.add(
                String.valueOf(exchange.getRequestHeaders().getFirst("Last-Event-ID")));
            List<String> lines = connections.getAndIncrement() == 0 ? firstStream : secondStream;
            exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream body = exchange.getResponseBody()) {
              for (String line : lines) {
                body.write((line + "\n").getBytes(StandardCharsets.UTF_8));
              }
            }
          } else {
            respond(exchange, 404, "{}");
          }
        });
    server.start();
  }

  /** Other runs in the ledger, by id: name, state, currentStep, steps. */
  private final Map<String, Map<String, Object>> others =
      Collections.synchronizedMap(new LinkedHashMap<>());

  /** How many times GET /runs/r1 answers QUEUED before RUNNING. */
  private final AtomicInteger queuedPolls = new AtomicInteger();

  private List<String> others(String state) {
    List<String> items = new ArrayList<>();
    others.forEach(
        (id, run) -> {
          if (run.get("state").equals(state)) {
            items.add(
                "{\"id\":\"%s\",\"name\":\"%s\",\"state\":\"%s\",\"currentStep\":%d,\"spec\":{\"schedule\":{\"steps\":%d}}}"
                    .formatted(
                        id, run.get("name"), run.get("state"), run.get("step"), run.get("steps")));
          }
        });
    return items;
  }

  private void otherRun(String id, String name, String state, int step, int steps) {
    others.put(
        id, new HashMap<>(Map.of("name", name, "state", state, "step", step, "steps", steps)));
  }

  @AfterEach
  void stopTrainer() {
    server.stop(0);
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static List<String> step(int step, double reward, String finishedAt) {
    return List.of(
        "id:" + step,
        "event:step",
        ("data:{\"step\":%d,\"state\":\"DONE\",\"policyVersion\":%d,\"metrics\":{\"reward_mean\":%s,"
                + "\"reward_std\":0.25,\"kl\":null,\"rules\":{\"math_accuracy\":{\"mean\":0.5},"
                + "\"format\":{\"mean\":1.0}}},\"phaseTimings\":{\"total\":1.0},"
                + "\"finishedAt\":\"%s\"}")
            .formatted(step, step + 1, reward, finishedAt),
        "");
  }

  private static List<String> eval(int step, double accuracy, String extra) {
    return List.of(
        "event:eval",
        ("data:{\"step\":%d,\"policyVersion\":%d,\"metrics\":{%s\"accuracy\":%s,"
                + "\"format_rate\":1.0,\"reward_mean\":%s,\"items\":10}}")
            .formatted(step, step + 1, extra, accuracy, accuracy + 0.2),
        "");
  }

  private static List<String> concat(List<List<String>> parts) {
    return parts.stream().flatMap(List::stream).toList();
  }

  private Demo.Result runDemo(ByteArrayOutputStream console) throws Exception {
    return runDemo(console, false);
  }

  private Demo.Result runDemo(ByteArrayOutputStream console, boolean redraw) throws Exception {
    StackConfig config =
        StackConfig.fromEnvironment(
            Map.of(
                "GRPO_HOME",
                Path.of("..").toAbsolutePath().normalize().toString(),
                "GRPO_TRAINER_PORT",
                Integer.toString(server.getAddress().getPort()),
                "GRPO_API_KEY",
                KEY));
    PrintStream out = new PrintStream(console, true, StandardCharsets.UTF_8);
    LocalStack stack = new LocalStack(config, out); // not started: the trainer is scripted
    return new Demo(stack, out, redraw)
        .run("{\"name\":\"demo-test\"}", Duration.ofSeconds(30), Instant.now().minusSeconds(40));
  }

  private void scriptADroppedStream() {
    firstStream =
        concat(
            List.of(
                List.of(":keep-alive", ""),
                eval(
                    0,
                    0.1,
                    "\"cold_start\":{\"examples\":5,\"epochs\":2,\"updates\":4,"
                        + "\"final_loss\":0.5,\"seconds\":2.0},"),
                step(0, 0.25, "2025-01-01T00:00:01Z"),
                step(1, 0.5, "2025-01-01T00:00:03Z"),
                // cut off in the middle of step 2: its id arrived, its blank line did not
                List.of("id:2", "event:step", "data:{\"step\":2,")));
    secondStream =
        concat(
            List.of(
                // a reconnected stream may repeat what was seen
                step(1, 0.5, "2025-01-01T00:00:03Z"),
                step(2, 0.75, "2025-01-01T00:00:05Z"),
                eval(3, 0.6, ""),
                List.of("event:end", "data:{\"state\":\"SUCCEEDED\",\"error\":null}", "")));
  }

  @Test
  void aDroppedStreamIsResumedAfterTheLastCompleteEvent() throws Exception {
    scriptADroppedStream();
    ByteArrayOutputStream console = new ByteArrayOutputStream();

    Demo.Result result = runDemo(console);

    assertThat(result.succeeded()).isTrue();
    assertThat(result.runId()).isEqualTo("r1");
    assertThat(lastEventIds).containsExactly("null", "1");
    assertThat(result.steps()).extracting(StepProgress::step).containsExactly(0, 1, 2);
    assertThat(result.steps())
        .extracting(StepProgress::rewardMean)
        .containsExactly(0.25, 0.5, 0.75);
    assertThat(result.evals()).extracting(EvalResult::step).containsExactly(0, 3);
    assertThat(requests).filteredOn(r -> r.startsWith("POST /api/v1/runs ")).hasSize(1);
    assertThat(requests.stream().filter(r -> r.startsWith("POST /api/v1/runs ")).findFirst())
        .get()
        .asString()
        .startsWith("POST /api/v1/runs auth=Bearer " + KEY + " key=demo-")
        .doesNotEndWith("key=demo-");
    String printed = console.toString(StandardCharsets.UTF_8);
    assertThat(printed.lines().toList())
        .startsWith(
            "run demo-test (r1): 3 GRPO steps of 2 prompts x 4 completions",
            "cold start (SFT on 5 formatted examples) ...",
            "cold start done: 4 updates (2 epochs) in 2 s, final loss 0.500",
            "eval @ step 0: held-out accuracy 0.10, format 1.00 (10 items)",
            "step   1/3 [######..............] reward 0.25 ± 0.25  acc 0.50  format 1.00"
                + "  kl  -   1.0 s/step  ETA 0:02",
            "step   2/3 [#############.......] reward 0.50 ± 0.25  acc 0.50  format 1.00"
                + "  kl  -   2.0 s/step  ETA 0:02",
            "step   3/3 [####################] reward 0.75 ± 0.25  acc 0.50  format 1.00"
                + "  kl  -   2.0 s/step  ETA 0:00",
            "eval @ step 3: held-out accuracy 0.60, format 1.00 (10 items)",
            "",
            "                      held-out accuracy   format rate   reward",
            "after cold-start SFT        0.100            1.000       0.30",
            "after RL (3 steps)          0.600            1.000       0.80",
            "change                     +0.500           +0.000");
    assertThat(printed).contains("wall time: stack start 30 s, cold start ").endsWith(" s\n");
    assertThat(result.table()).isNotNull();
    assertThat(printed).contains(result.table());
  }

  @Test
  void onATerminalTheProgressLineIsRedrawnAndOtherLinesStartOnALineOfTheirOwn() throws Exception {
    scriptADroppedStream();
    ByteArrayOutputStream console = new ByteArrayOutputStream();

    runDemo(console, true);

    String printed = console.toString(StandardCharsets.UTF_8);
    assertThat(printed)
        .contains(
            "(10 items)\n\rstep   1/3 [######",
            "ETA 0:02\rstep   2/3 [#############",
            "ETA 0:02\rstep   3/3 [####################]",
            "ETA 0:00\neval @ step 3: held-out accuracy 0.60",
            "(10 items)\n\n                      held-out accuracy");
    assertThat(printed.chars().filter(c -> c == '\r')).hasSize(3);
  }

  @Test
  void runsLeftByAnInterruptedDemoAreCancelledAndAWaitIsExplained() throws Exception {
    otherRun("old", "demo-test", "RUNNING", 15, 60);
    otherRun("old2", "demo-test", "QUEUED", 0, 60);
    otherRun("mine", "mine", "RUNNING", 3, 10);
    otherRun("done", "demo-test", "SUCCEEDED", 60, 60);
    queuedPolls.set(3);
    firstStream = List.of("event:end", "data:{\"state\":\"SUCCEEDED\",\"error\":null}", "");
    ByteArrayOutputStream console = new ByteArrayOutputStream();

    runDemo(console);

    assertThat(requests)
        .filteredOn(r -> r.contains("/cancel"))
        .containsExactly(
            "POST /api/v1/runs/old/cancel auth=Bearer " + KEY + " key=null",
            "POST /api/v1/runs/old2/cancel auth=Bearer " + KEY + " key=null");
    assertThat(others.get("mine").get("state")).isEqualTo("RUNNING");
    assertThat(console.toString(StandardCharsets.UTF_8).lines().toList())
        .startsWith(
            "cancelled run old (RUNNING at step 15), left over from an earlier demo",
            "cancelled run old2 (QUEUED at step 0), left over from an earlier demo",
            "run demo-test (r1): 3 GRPO steps of 2 prompts x 4 completions",
            "queued: the trainer trains one run at a time and is busy with run mine (mine, step"
                + " 3/10)",
            "cold start (SFT on 5 formatted examples) ...");
  }

  @Test
  void aFailedRunIsReportedWithItsError() throws Exception {
    firstStream =
        concat(
            List.of(
                eval(0, 0.1, ""),
                List.of(
                    "id:0",
                    "event:step",
                    "data:{\"step\":0,\"state\":\"FAILED\",\"metrics\":{\"error\":\"rule down\"}}",
                    ""),
                List.of(
                    "event:end",
                    "data:{\"state\":\"FAILED\",\"error\":\"step 0 failed 3 times: rule down\"}",
                    "")));
    ByteArrayOutputStream console = new ByteArrayOutputStream();

    Demo.Result result = runDemo(console);

    assertThat(result.succeeded()).isFalse();
    assertThat(result.state()).isEqualTo("FAILED");
    assertThat(result.error()).isEqualTo("step 0 failed 3 times: rule down");
    assertThat(result.table()).isNull();
    String printed = console.toString(StandardCharsets.UTF_8);
    assertThat(printed)
        .contains("step   1/3 failed: rule down\n")
        .endsWith("run r1 FAILED: step 0 failed 3 times: rule down\n");
    assertThat(connections.get()).isEqualTo(1);
  }

  @Test
  void grpoDemoSpecNamesTheSpecToRunAndAnUnreadableOneIsAnError(@TempDir Path tmp)
      throws IOException {
    Path mine = tmp.resolve("mine.json");
    Files.writeString(mine, "{\"name\": \"mine\", \"data\": {\"path\": \"{demo-task}\"}}");
    assertThat(Demo.spec(Map.of("GRPO_DEMO_SPEC", mine.toString())))
        .isEqualTo("{\"name\": \"mine\", \"data\": {\"path\": \"{demo-task}\"}}");
    assertThat(Demo.spec(Map.of())).isEqualTo(Demo.defaultSpec()).contains("demo-addition");
    assertThat(Demo.spec(Map.of("GRPO_DEMO_SPEC", " "))).isEqualTo(Demo.defaultSpec());
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> Demo.spec(Map.of("GRPO_DEMO_SPEC", tmp.resolve("absent.json").toString())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("GRPO_DEMO_SPEC: cannot read " + tmp.resolve("absent.json"));
  }
}
