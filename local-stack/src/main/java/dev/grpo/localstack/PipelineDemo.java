package dev.grpo.localstack;

import java.io.IOException;
import java.io.PrintStream;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code ./grpo demo --pipeline r1}: creates a pipeline ({@code examples/pipelines/<name>.json}, or
 * a file) on the running local stack, every stage's {@code "{demo-task}"} replaced by the demo's
 * task file, follows it with a line per stage change and progress, and prints the stage × metric
 * table and the rejection-sampling counts per reason at the end.
 */
final class PipelineDemo {

  private static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "CANCELLED");

  /** Columns of the final table: header, key in the pipeline's table rows. */
  private static final List<String[]> COLUMNS =
      List.of(
          new String[] {"accuracy", "accuracy"},
          new String[] {"format", "format_rate"},
          new String[] {"pass@1", "pass@1"},
          new String[] {"pass@k", "pass@k"},
          new String[] {"cons@k", "cons@k"},
          new String[] {"kept", "rows_kept"},
          new String[] {"rejected", "rows_rejected"},
          new String[] {"sft loss", "sft_final_loss"},
          new String[] {"compute M", "compute"},
          new String[] {"teacher M", "teacher_compute"});

  private final LocalStack stack;
  private final PrintStream out;
  private final String trainer;
  private final String apiKey;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final JsonMapper json = JsonMapper.builder().build();

  PipelineDemo(LocalStack stack, PrintStream out) {
    this.stack = stack;
    this.out = out;
    this.trainer = stack.config().services().get(0).url();
    this.apiKey = stack.config().apiKey();
  }

  /** The pipeline a name stands for: {@code examples/pipelines/<name>.json}, or a file path. */
  static String spec(String name, Path home) throws IOException {
    Path file =
        name.endsWith(".json")
            ? Path.of(name)
            : home.resolve("examples").resolve("pipelines").resolve(name + ".json");
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("no pipeline " + name + " (looked for " + file + ")");
    }
    return Files.readString(file, StandardCharsets.UTF_8);
  }

  /** Runs the pipeline to its end; true when it succeeded. */
  boolean run(String pipelineJson, Long seed) throws IOException, InterruptedException {
    ObjectNode pipeline = (ObjectNode) json.readTree(pipelineJson);
    for (JsonNode stage : pipeline.path("stages")) {
      if (stage.get("spec") instanceof ObjectNode spec) {
        String prepared =
            DemoTask.prepare(
                json.writeValueAsString(spec),
                stack.config().stateDir().resolve("data").resolve("demo"),
                seed,
                json);
        ((ObjectNode) stage).set("spec", json.readTree(prepared));
      }
    }
    Instant started = Instant.now();
    JsonNode created = create(json.writeValueAsString(pipeline));
    String id = created.path("id").asString();
    out.printf(
        "pipeline %s (%s): %d stages, seed %s%n",
        created.path("name").asString(),
        id,
        created.path("stages").size(),
        pipeline.at("/stages/0/spec/seed").asString("?"));
    Map<String, String> shown = new HashMap<>();
    JsonNode now = created;
    while (!TERMINAL.contains(now.path("state").asString())) {
      Thread.sleep(3000);
      now = send("GET", "/api/v1/pipelines/" + id, null);
      for (JsonNode s : now.path("stages")) {
        String line = progress(s);
        if (!line.equals(shown.get(s.path("name").asString()))) {
          shown.put(s.path("name").asString(), line);
          out.printf(
              "[%s] %s%n", DemoReport.seconds(Duration.between(started, Instant.now())), line);
        }
      }
    }
    out.println();
    out.print(table(now));
    out.println(
        "compute M: the trained policy's token-passes in millions (3 x trained tokens + forward-only"
            + " + sampled tokens, ~FLOPs / 2N); teacher M: tokens sampled from another policy, its"
            + " compute; evaluation not counted");
    out.print(rejections(now));
    out.printf(
        "pipeline %s %s in %s%s%n",
        id,
        now.path("state").asString(),
        DemoReport.seconds(Duration.between(started, Instant.now())),
        now.path("error").isNull() ? "" : ": " + now.path("error").asString());
    out.flush();
    return "SUCCEEDED".equals(now.path("state").asString());
  }

  /** One stage's progress: state, and the step of its run rounded to tens. */
  private static String progress(JsonNode s) {
    String state = s.path("state").asString();
    String step =
        "RUNNING".equals(state) && s.path("runStep").asInt() > 0
            ? " step " + (s.path("runStep").asInt() / 10 * 10) + "+"
            : "";
    return "stage %s (%s) %s%s"
        .formatted(s.path("name").asString(), s.path("kind").asString(), state, step);
  }

  /** The stage × metric table as text. */
  String table(JsonNode pipeline) {
    StringBuilder b = new StringBuilder();
    b.append(String.format("%-20s %-19s %-10s %7s", "stage", "kind", "state", "time s"));
    for (String[] c : COLUMNS) {
      b.append(String.format(" %9s", c[0]));
    }
    b.append('\n');
    int index = 0;
    for (JsonNode row : pipeline.path("table").path("rows")) {
      JsonNode stage = pipeline.path("stages").path(index++);
      b.append(
          String.format(
              "%-20s %-19s %-10s",
              row.path("stage").asString(),
              row.path("kind").asString(),
              row.path("state").asString()));
      b.append(String.format(" %7s", seconds(stage)));
      for (String[] c : COLUMNS) {
        JsonNode v = row.get(c[1]);
        String cell =
            v == null || v.isNull() || (c[1].endsWith("compute") && v.asDouble() == 0)
                ? "-"
                : c[1].startsWith("rows_")
                    ? Long.toString(v.asLong())
                    : c[1].endsWith("compute")
                        ? "%.2f".formatted(v.asDouble() / 1e6)
                        : "%.3f".formatted(v.asDouble());
        b.append(String.format(" %9s", cell));
      }
      b.append('\n');
    }
    return b.toString();
  }

  /** How long a stage took, in whole seconds ("-" before it ended). */
  private static String seconds(JsonNode stage) {
    if (!stage.path("startedAt").isString() || !stage.path("finishedAt").isString()) {
      return "-";
    }
    return Long.toString(
        Duration.between(
                Instant.parse(stage.path("startedAt").asString()),
                Instant.parse(stage.path("finishedAt").asString()))
            .toSeconds());
  }

  /** Kept and rejected rows per reason of every stage that sampled a dataset. */
  private String rejections(JsonNode pipeline) throws IOException, InterruptedException {
    List<String> lines = new ArrayList<>();
    for (JsonNode s : pipeline.path("stages")) {
      if (s.path("dataset").isString()) {
        JsonNode d = send("GET", "/api/v1/datasets/" + s.path("dataset").asString(), null);
        JsonNode stats =
            d.path("stats").isObject()
                ? d.path("stats")
                : json.readTree(d.path("stats").asString("{}"));
        lines.add(
            "stage %s: %d rows kept of %d samples of %d prompts; rejected %s"
                .formatted(
                    s.path("name").asString(),
                    stats.path("kept").asInt(),
                    stats.path("samples").asInt(),
                    stats.path("prompts").asInt(),
                    stats.path("rejected")));
      }
    }
    return lines.isEmpty() ? "" : String.join("\n", lines) + "\n";
  }

  /**
   * Creates the pipeline, asking again (with the same idempotency key) while the trainer answers
   * 503: on a loaded machine the services it checks the stage specs against may answer late.
   */
  private JsonNode create(String body) throws IOException, InterruptedException {
    idempotencyKey = "pipeline-demo-" + System.currentTimeMillis();
    for (int attempt = 1; ; attempt++) {
      try {
        return send("POST", "/api/v1/pipelines", body);
      } catch (IOException e) {
        if (attempt >= 10 || !e.getMessage().contains(" answered 503")) {
          throw e;
        }
        out.printf("the trainer could not check the pipeline yet (503); asking again ...%n");
        Thread.sleep(5000);
      }
    }
  }

  private String idempotencyKey;

  private JsonNode send(String method, String path, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(trainer + path))
            .timeout(Duration.ofSeconds(60))
            .header("Authorization", "Bearer " + apiKey);
    if (body != null) {
      request
          .header("Content-Type", "application/json")
          .header("Idempotency-Key", idempotencyKey)
          .method(method, HttpRequest.BodyPublishers.ofString(body));
    } else {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    }
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() / 100 != 2) {
      throw new IOException(
          method + " " + path + " answered " + response.statusCode() + ": " + response.body());
    }
    return json.readTree(response.body());
  }
}
