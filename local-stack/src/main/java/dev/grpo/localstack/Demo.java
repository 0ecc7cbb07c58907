package dev.grpo.localstack;

import dev.grpo.localstack.DemoReport.EvalResult;
import dev.grpo.localstack.DemoReport.StepProgress;
import dev.grpo.localstack.SseParser.SseEvent;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code ./grpo demo}: creates a run on the running local stack, follows its event stream while it
 * trains, prints a progress line per step and a line per held-out evaluation, and ends with the
 * before/after table. The rendering is {@link DemoReport}'s.
 */
final class Demo {

  /** The demo run shipped with the platform. */
  static final String SPEC_RESOURCE = "/demo-run.json";

  private static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "CANCELLED");

  /** Stream reconnections in a row without a single line read, before the demo gives up. */
  private static final int MAX_RECONNECTS = 30;

  /** Completions of the last step printed under the table. */
  private static final int SAMPLES = 6;

  /**
   * What the demo saw.
   *
   * @param steps the step events in the order they arrived
   * @param evals the eval events in the order they arrived
   * @param table the final table as printed, or null when the run has no before/after evaluations
   */
  record Result(
      String runId,
      String state,
      String error,
      List<StepProgress> steps,
      List<EvalResult> evals,
      String table) {

    boolean succeeded() {
      return "SUCCEEDED".equals(state);
    }
  }

  private final LocalStack stack;
  private final PrintStream out;
  private final boolean redraw;
  private final String trainer;
  private final String apiKey;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final JsonMapper json = JsonMapper.builder().build();

  private volatile String runId;
  private volatile boolean finished;
  private int progressWidth = -1;

  /**
   * @param redraw redraw the progress line in place with {@code \r} (a terminal) instead of
   *     printing a line per step (a log)
   */
  Demo(LocalStack stack, PrintStream out, boolean redraw) {
    this.stack = stack;
    this.out = out;
    this.redraw = redraw;
    this.trainer = stack.config().services().get(0).url();
    this.apiKey = stack.config().apiKey();
  }

  /**
   * The spec the demo runs: the file {@code GRPO_DEMO_SPEC} names (in which {@code "{demo-task}"}
   * as {@code data.path} still stands for the generated task), else the shipped one.
   */
  static String spec(Map<String, String> env) {
    String path = env.get("GRPO_DEMO_SPEC");
    if (path == null || path.isBlank()) {
      return defaultSpec();
    }
    try {
      return Files.readString(Path.of(path), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("GRPO_DEMO_SPEC: cannot read " + path + ": " + e, e);
    }
  }

  /** The spec of the shipped demo run. */
  static String defaultSpec() {
    return readResource(SPEC_RESOURCE);
  }

  /** A text resource shipped in the launcher. */
  static String readResource(String name) {
    try (InputStream in = Demo.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the launcher");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether stdout is an interactive terminal (on JDK 22+ a console exists even when piped). */
  static boolean interactive() {
    Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      return true; // before JDK 22 there is a console only on a terminal
    }
  }

  /**
   * Creates the run described by {@code specJson}, follows it to its end and prints as it goes.
   *
   * @param stackStart how long the stack took to become ready, for the table
   * @param started when the command started, for the table's total
   */
  Result run(String specJson, Duration stackStart, Instant started)
      throws IOException, InterruptedException {
    boolean generatedTask = specJson.contains(DemoTask.PLACEHOLDER);
    specJson =
        DemoTask.prepare(
            specJson,
            // inside the trainer's data dir: a run's data.path must lie in its data roots
            stack.config().stateDir().resolve("data").resolve("demo"),
            seedFromEnvironment(System.getenv()),
            json);
    cancelLeftovers(json.readTree(specJson).path("name").asString());
    Instant created = Instant.now();
    JsonNode run = create(specJson);
    runId = run.path("id").asString();
    JsonNode spec = run.path("spec");
    int totalSteps = spec.path("schedule").path("steps").asInt();
    line(
        "run %s (%s): %d GRPO steps of %d prompts x %d completions"
            .formatted(
                run.path("name").asString(),
                runId,
                totalSteps,
                spec.path("schedule").path("promptsPerStep").asInt(),
                spec.path("algorithm").path("groupSize").asInt()));

    JsonNode current = awaitStart(run);
    if (spec.path("coldStart").path("enabled").asBoolean()
        && "RUNNING".equals(current.path("state").asString())
        && current.path("currentStep").asInt() == 0) {
      line(DemoReport.coldStartLine(spec.path("coldStart").path("examples").asInt()));
    }

    Progress p = new Progress();
    followEvents(p, totalSteps);
    finished = true;
    endProgress();
    String table = report(p, created, stackStart, started, generatedTask);
    if (!"SUCCEEDED".equals(p.state)) {
      out.printf(
          "run %s %s: %s%n", runId, p.state, p.error == null ? "no error recorded" : p.error);
    }
    out.flush();
    return new Result(runId, p.state, p.error, List.copyOf(p.steps), List.copyOf(p.evals), table);
  }

  /** What the run's event stream has told so far. */
  private static final class Progress {
    final List<StepProgress> steps = new ArrayList<>();
    final List<EvalResult> evals = new ArrayList<>();
    Instant firstStep;
    Instant lastStep;
    String lastEventId;
    String state;
    String error;
  }

  /** Reads the run's events until its end event, reconnecting where the stream left off. */
  private void followEvents(Progress p, int totalSteps) throws IOException, InterruptedException {
    int failures = 0;
    while (p.state == null) {
      stackAlive();
      SseParser parser = new SseParser(p.lastEventId);
      boolean readSomething = false;
      try (Stream<String> lines = openEvents(p.lastEventId)) {
        Iterator<String> it = lines.iterator();
        while (it.hasNext() && p.state == null) {
          readSomething = true;
          Optional<SseEvent> event = parser.accept(it.next());
          if (event.isPresent()) {
            handle(p, event.get(), totalSteps);
          }
        }
        p.lastEventId = nonEmpty(parser.lastEventId(), p.lastEventId);
      } catch (IOException e) {
        p.lastEventId = nonEmpty(parser.lastEventId(), p.lastEventId);
        // the stream dropped: reconnect below
      }
      if (p.state == null) {
        failures = readSomething ? 0 : failures + 1;
        if (failures > MAX_RECONNECTS) {
          throw new IOException(
              "lost the trainer's event stream of run " + runId + " and could not reconnect");
        }
        Thread.sleep(1000);
      }
    }
  }

  private void handle(Progress p, SseEvent event, int totalSteps) {
    JsonNode data = json.readTree(event.data());
    switch (event.type()) {
      case "step" -> {
        StepProgress step = StepProgress.of(data);
        StepProgress previous = p.steps.isEmpty() ? null : p.steps.get(p.steps.size() - 1);
        if (previous != null
            && (step.step() < previous.step()
                || step.step() == previous.step() && previous.done())) {
          return; // sent again after a reconnection; a failed step may come again done
        }
        Instant now = Instant.now();
        p.firstStep = p.firstStep == null ? now : p.firstStep;
        p.lastStep = now;
        p.steps.add(step);
        double perStep = DemoReport.secondsPerStep(p.steps);
        String progress = DemoReport.progressLine(step, totalSteps, perStep);
        if (step.done()) {
          progress(progress);
        } else {
          line(progress);
        }
      }
      case "eval" -> {
        EvalResult eval = EvalResult.of(data);
        if (p.evals.stream().anyMatch(e -> e.step() == eval.step())) {
          return;
        }
        p.evals.add(eval);
        if (eval.coldStart() != null) {
          line(DemoReport.coldStartDone(eval.coldStart()));
        }
        line(DemoReport.evalLine(eval));
      }
      case "end" -> {
        p.state = data.path("state").asString();
        p.error = data.path("error").isString() ? data.path("error").asString() : null;
      }
      default -> {
        // an event this client does not know: newer trainers may send more
      }
    }
  }

  /** The before/after table (printed, with the split and last samples), or null without evals. */
  private String report(
      Progress p, Instant created, Duration stackStart, Instant started, boolean generatedTask)
      throws InterruptedException {
    Optional<EvalResult> before = p.evals.stream().filter(e -> e.step() == 0).findFirst();
    Optional<EvalResult> after = p.evals.stream().filter(e -> e.step() > 0).reduce((a, b) -> b);
    if (before.isEmpty() || after.isEmpty()) {
      return null;
    }
    Duration cold = p.firstStep == null ? Duration.ZERO : Duration.between(created, p.firstStep);
    Duration rl = p.firstStep == null ? Duration.ZERO : Duration.between(p.firstStep, p.lastStep);
    Double perStep = p.steps.size() > 1 ? rl.toMillis() / 1000.0 / (p.steps.size() - 1) : null;
    String table =
        DemoReport.table(
            before.get(),
            after.get(),
            new DemoReport.WallTimes(
                stackStart, cold, rl, perStep, Duration.between(started, Instant.now())));
    if (generatedTask) {
      table +=
          DemoTask.splitLine(DemoTask.EVAL_PROBLEMS, DemoTask.PROBLEMS - DemoTask.EVAL_PROBLEMS)
              + "\n";
    }
    out.println();
    out.print(table);
    if (generatedTask) {
      printSamples(p.steps);
    }
    return table;
  }

  /** {@code GRPO_DEMO_SEED}: the run's seed (initial weights, data order, sampling), or null. */
  static Long seedFromEnvironment(java.util.Map<String, String> env) {
    String seed = env.get("GRPO_DEMO_SEED");
    if (seed == null || seed.isBlank()) {
      return null;
    }
    try {
      return Long.parseLong(seed.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("GRPO_DEMO_SEED must be an integer, not " + seed, e);
    }
  }

  /** A few completions of the last step, as the reward service scored them. */
  private void printSamples(List<StepProgress> steps) throws InterruptedException {
    if (steps.isEmpty()) {
      return;
    }
    int last = steps.get(steps.size() - 1).step();
    JsonNode page;
    try {
      page = get("/api/v1/runs/" + runId + "/samples?step=" + last + "&size=" + SAMPLES);
    } catch (IOException e) {
      out.println("(the samples of step " + last + " could not be read: " + e.getMessage() + ")");
      return;
    }
    out.printf("samples of step %d:%n", last);
    for (JsonNode sample : page.path("samples")) {
      StringBuilder rewards = new StringBuilder();
      for (JsonNode r : sample.path("rewards")) {
        rewards.append(' ').append(r.path("rule").asString()).append('=');
        rewards.append(r.path("score").isNumber() ? r.path("score").asDouble() : "-");
      }
      out.printf(
          "  %s %s%s%n",
          sample.path("prompt").asString(),
          sample.path("text").asString().replace("\n", "\\n"),
          rewards);
    }
  }

  /**
   * Asks the trainer to cancel the run when the demo is interrupted (Ctrl-C), so that the next
   * start of the stack does not pick it up again. Best effort: the stack is going down.
   */
  void cancelIfRunning() {
    String id = runId;
    if (id == null || finished) {
      return;
    }
    endProgress();
    out.printf("Cancelling run %s ...%n", id);
    try {
      http.send(
          post("/api/v1/runs/" + id + "/cancel", "").timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.discarding());
    } catch (IOException e) {
      System.err.println("grpo: could not cancel run " + id + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private JsonNode create(String specJson) throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            post("/api/v1/runs", specJson)
                .header("Idempotency-Key", "demo-" + System.currentTimeMillis())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 201 && response.statusCode() != 200) {
      throw new IOException(
          "the trainer refused the demo run (" + response.statusCode() + "): " + response.body());
    }
    return json.readTree(response.body());
  }

  /**
   * Cancels the runs named as the demo's that are still queued or running: an interrupted demo
   * (Ctrl-C reaches the services too, so its own cancel may not land) leaves its run to be resumed
   * by the next trainer, and a trainer trains one run at a time, so it would go first.
   */
  private void cancelLeftovers(String name) throws IOException, InterruptedException {
    if (name == null || name.isBlank()) {
      return;
    }
    for (String state : List.of("RUNNING", "QUEUED")) {
      for (JsonNode run : get("/api/v1/runs?size=200&state=" + state).path("items")) {
        if (!name.equals(run.path("name").asString())) {
          continue;
        }
        String id = run.path("id").asString();
        HttpResponse<String> response =
            http.send(
                post("/api/v1/runs/" + id + "/cancel", "").build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
          throw new IOException(
              "could not cancel run %s, left over from an earlier demo (%d): %s"
                  .formatted(id, response.statusCode(), response.body()));
        }
        line(
            "cancelled run %s (%s at step %d), left over from an earlier demo"
                .formatted(id, state, run.path("currentStep").asInt()));
      }
    }
  }

  /**
   * Polls the run until the trainer has claimed it (or it ended); says once what it waits for when
   * the trainer is busy with another run.
   */
  private JsonNode awaitStart(JsonNode run) throws IOException, InterruptedException {
    JsonNode current = run;
    boolean explained = false;
    while ("QUEUED".equals(current.path("state").asString())) {
      Thread.sleep(500);
      stackAlive();
      current = get("/api/v1/runs/" + runId);
      if (!explained && "QUEUED".equals(current.path("state").asString())) {
        for (JsonNode other : get("/api/v1/runs?size=200&state=RUNNING").path("items")) {
          if (other.path("id").asString().equals(runId)) {
            continue; // claimed between the two reads: it is this run that runs
          }
          line(
              "queued: the trainer trains one run at a time and is busy with run %s (%s, step %d/%d)"
                  .formatted(
                      other.path("id").asString(),
                      other.path("name").asString(),
                      other.path("currentStep").asInt(),
                      other.path("spec").path("schedule").path("steps").asInt()));
          explained = true;
        }
      }
    }
    return current;
  }

  private JsonNode get(String path) throws IOException, InterruptedException {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(trainer + path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + apiKey)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException(
          "GET " + path + " answered " + response.statusCode() + ": " + response.body());
    }
    return json.readTree(response.body());
  }

  private Stream<String> openEvents(String lastEventId) throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(trainer + "/api/v1/runs/" + runId + "/events"))
            .header("Accept", "text/event-stream")
            .header("Authorization", "Bearer " + apiKey);
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId);
    }
    HttpResponse<Stream<String>> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofLines());
    if (response.statusCode() != 200) {
      String body = String.join("\n", response.body().toList());
      throw new IllegalStateException(
          "the event stream of run " + runId + " answered " + response.statusCode() + ": " + body);
    }
    return response.body();
  }

  private HttpRequest.Builder post(String path, String body) {
    return HttpRequest.newBuilder(URI.create(trainer + path))
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + apiKey)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  /** Fails at once when a service died, rather than waiting on a stream that cannot come back. */
  private void stackAlive() {
    for (ServiceProcess service : stack.services()) {
      if (!service.isAlive()) {
        throw new IllegalStateException(
            service.spec().name() + " stopped unexpectedly; see " + service.log());
      }
    }
  }

  /** Redraws the progress line on a terminal; prints it as a line of its own otherwise. */
  private void progress(String text) {
    if (!redraw) {
      out.println(text);
      return;
    }
    String padding = " ".repeat(Math.max(0, progressWidth - text.length()));
    out.print("\r" + text + padding);
    out.flush();
    progressWidth = text.length();
  }

  private void line(String text) {
    endProgress();
    out.println(text);
    out.flush();
  }

  /** Ends a redrawn progress line, so that what follows starts on a line of its own. */
  private void endProgress() {
    if (progressWidth >= 0) {
      out.println();
      progressWidth = -1;
    }
  }

  private static String nonEmpty(String id, String fallback) {
    return id == null || id.isEmpty() ? fallback : id;
  }
}
