package dev.grpo.localstack;

import dev.grpo.localstack.CompareTable.RunResult;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code ./grpo compare}: trains each policy-optimisation method on the same task (the demo's
 * two-digit sums after a short cold start, spec {@code compare-run.json}), the same seeds and the
 * same sample budget (steps × prompts × group size), one run after another through the real
 * services, then prints {@link CompareTable}. The methods differ only in their {@code algorithm}
 * section ({@link #METHODS}).
 */
final class Compare {

  static final String SPEC_RESOURCE = "/compare-run.json";

  /** Each method's algorithm section, over the base spec's (group size and β = 0 shared). */
  static final Map<String, String> METHODS = methods();

  private static Map<String, String> methods() {
    Map<String, String> m = new LinkedHashMap<>();
    // DeepSeekMath's GRPO: group-normalised advantages, sequence-mean-token-mean
    m.put("grpo", "{\"lossAggregation\": \"grpo\"}");
    // Dr. GRPO: no std division, constant normaliser
    m.put("dr_grpo", "{\"advantageEstimator\": \"dr_grpo\", \"lossAggregation\": \"dr_grpo\"}");
    // DAPO: clip-higher, token-level loss, dynamic sampling, overlong (truncated) masking
    m.put(
        "dapo",
        "{\"lossAggregation\": \"dapo\", \"epsilonHigh\": 0.28, \"maskTruncated\": true,"
            + " \"dynamicSampling\": {\"enabled\": true}}");
    m.put("gspo", "{\"policyLoss\": \"gspo\"}");
    m.put("cispo", "{\"policyLoss\": \"cispo\", \"epsilonHigh\": 0.28}");
    m.put("rloo", "{\"advantageEstimator\": \"rloo\"}");
    m.put("reinforce++_baseline", "{\"advantageEstimator\": \"reinforce_plus_plus_baseline\"}");
    // PPO with a separate critic (a copy of the cold-started policy with a scalar head)
    m.put(
        "ppo",
        "{\"policyLoss\": \"ppo\", \"valueModel\": {\"kind\": \"separate\", \"learningRate\":"
            + " 0.001}, \"gae\": {\"gamma\": 1.0, \"lambda\": 0.95}}");
    return m;
  }

  /** Held-out sums per run. */
  static final int EVAL_PROBLEMS = 100;

  private static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "CANCELLED");

  /**
   * The command's options.
   *
   * @param seeds how many seeds (1, 2, ..., n)
   * @param steps RL steps per run
   * @param methods the methods to run, in table order
   */
  record Options(int seeds, int steps, List<String> methods) {

    /** Parses {@code --seeds N --steps N --methods a,b}; null when the options are unusable. */
    static Options parse(List<String> args) {
      int seeds = 3;
      int steps = 30;
      List<String> methods = List.copyOf(METHODS.keySet());
      for (int i = 0; i < args.size(); i++) {
        String flag = args.get(i);
        if (i + 1 >= args.size()) {
          return null;
        }
        String value = args.get(++i);
        try {
          switch (flag) {
            case "--seeds" -> seeds = Integer.parseInt(value);
            case "--steps" -> steps = Integer.parseInt(value);
            case "--methods" -> methods = List.of(value.split(","));
            default -> {
              return null;
            }
          }
        } catch (NumberFormatException e) {
          return null;
        }
      }
      if (seeds < 1 || steps < 1 || !METHODS.keySet().containsAll(methods)) {
        return null;
      }
      return new Options(seeds, steps, methods);
    }
  }

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
  private volatile String runId;

  Compare(LocalStack stack, PrintStream out) {
    this.stack = stack;
    this.out = out;
    this.trainer = stack.config().services().get(0).url();
    this.apiKey = stack.config().apiKey();
  }

  /** Runs every method for every seed, prints a line per run and the table; returns the table. */
  String run(Options options) throws IOException, InterruptedException {
    String base = baseSpec(System.getenv());
    List<RunResult> results = new ArrayList<>();
    out.printf(
        "comparing %s over %d seed(s), %d steps each%n",
        String.join(", ", options.methods()), options.seeds(), options.steps());
    for (int seed = 1; seed <= options.seeds(); seed++) {
      for (String method : options.methods()) {
        results.add(runOne(base, method, seed, options.steps()));
      }
    }
    String table = CompareTable.render(results);
    out.println();
    out.print(table);
    out.println(
        "acc: greedy held-out accuracy ("
            + EVAL_PROBLEMS
            + " sums never trained on) after the cold start (step 0) and after the last step,"
            + " mean ± std over seeds; reward area: mean training reward per step; peak RSS:"
            + " the trainer process's largest training-phase peak; train +RSS: the largest"
            + " growth within one training phase; param+opt: weights + AdamW moments (PPO's"
            + " critic included); s/step: median whole step, train s: median training phase");
    out.flush();
    return table;
  }

  /**
   * The base spec: the file {@code GRPO_COMPARE_SPEC} names (a bigger cold start, another task;
   * {@code "{demo-task}"} as {@code data.path} still stands for the generated sums), else the
   * shipped one.
   */
  static String baseSpec(Map<String, String> env) {
    String path = env.get("GRPO_COMPARE_SPEC");
    if (path == null || path.isBlank()) {
      return Demo.readResource(SPEC_RESOURCE);
    }
    try {
      return java.nio.file.Files.readString(
          java.nio.file.Path.of(path), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("GRPO_COMPARE_SPEC: cannot read " + path + ": " + e, e);
    }
  }

  /** Cancels the run in progress (Ctrl-C). */
  void cancelIfRunning() {
    String id = runId;
    if (id == null) {
      return;
    }
    try {
      http.send(
          post("/api/v1/runs/" + id + "/cancel", "").build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException | InterruptedException e) {
      // the stack is stopping anyway
    }
  }

  /** The spec of one run: the base, the method's algorithm section, the seed and the steps. */
  String spec(String base, String method, long seed, int steps) {
    ObjectNode spec = (ObjectNode) json.readTree(base);
    spec.put("name", "compare/" + method + "/seed=" + seed);
    ObjectNode algorithm = (ObjectNode) spec.path("algorithm");
    json.readTree(METHODS.get(method))
        .properties()
        .forEach(e -> algorithm.set(e.getKey(), e.getValue()));
    ObjectNode schedule = (ObjectNode) spec.path("schedule");
    schedule.put("steps", steps);
    schedule.put("checkpointEvery", steps);
    String prepared =
        DemoTask.prepare(
            json.writeValueAsString(spec),
            stack.config().stateDir().resolve("data").resolve("compare"),
            seed,
            json);
    // 100 held-out sums instead of the demo's 200: two greedy evaluations per run are a good
    // part of its time on two cores
    ObjectNode bound = (ObjectNode) json.readTree(prepared);
    ((ObjectNode) bound.path("data"))
        .put("evalFraction", (double) EVAL_PROBLEMS / DemoTask.PROBLEMS);
    return json.writeValueAsString(bound);
  }

  private RunResult runOne(String base, String method, long seed, int steps)
      throws IOException, InterruptedException {
    Instant started = Instant.now();
    HttpResponse<String> created =
        http.send(
            post("/api/v1/runs", spec(base, method, seed, steps)).build(),
            HttpResponse.BodyHandlers.ofString());
    if (created.statusCode() != 201 && created.statusCode() != 200) {
      throw new IOException(
          "creating the "
              + method
              + " run answered "
              + created.statusCode()
              + ": "
              + created.body());
    }
    runId = json.readTree(created.body()).path("id").asString();
    String state;
    JsonNode run;
    do {
      Thread.sleep(2000);
      stackAlive();
      run = get("/api/v1/runs/" + runId);
      state = run.path("state").asString();
    } while (!TERMINAL.contains(state));
    String id = runId;
    runId = null;
    if (!"SUCCEEDED".equals(state)) {
      throw new IllegalStateException(
          "the "
              + method
              + " run (seed "
              + seed
              + ") ended "
              + state
              + ": "
              + run.path("error").asString(""));
    }
    RunResult result = collect(id, method, seed);
    out.printf(
        "  %-22s seed %d: accuracy %.3f -> %.3f, reward area %.3f, %.2f s/step (%.0f s)%n",
        method,
        seed,
        result.accuracyBefore(),
        result.accuracyAfter(),
        result.rewardArea(),
        result.secondsPerStep(),
        Duration.between(started, Instant.now()).toMillis() / 1000.0);
    out.flush();
    return result;
  }

  private RunResult collect(String id, String method, long seed)
      throws IOException, InterruptedException {
    JsonNode evals = get("/api/v1/runs/" + id + "/evals").path("evals");
    double before = Double.NaN;
    double after = Double.NaN;
    int last = -1;
    for (JsonNode e : evals) {
      int step = e.path("step").asInt();
      double accuracy = e.path("metrics").path("accuracy").asDouble(Double.NaN);
      if (step == 0) {
        before = accuracy;
      }
      if (step > last) {
        last = step;
        after = accuracy;
      }
    }
    List<Double> rewards = new ArrayList<>();
    double peak = Double.NaN;
    double growth = Double.NaN;
    double bytes = Double.NaN;
    List<Double> total = new ArrayList<>();
    List<Double> training = new ArrayList<>();
    for (JsonNode s : get("/api/v1/runs/" + id + "/steps?limit=10000").path("steps")) {
      if (!"DONE".equals(s.path("state").asString())) {
        continue;
      }
      JsonNode m = s.path("metrics");
      rewards.add(m.path("reward_mean").asDouble(Double.NaN));
      JsonNode memory = m.path("memory");
      double p = memory.path("training_peak_rss_bytes").asDouble(Double.NaN);
      peak = Double.isNaN(peak) || p > peak ? p : peak;
      double g = memory.path("training_peak_growth_bytes").asDouble(Double.NaN);
      growth = Double.isNaN(growth) || g > growth ? g : growth;
      bytes = memory.path("parameter_optimizer_bytes").asDouble(Double.NaN);
      total.add(s.path("phaseTimings").path("total").asDouble());
      training.add(s.path("phaseTimings").path("training").asDouble());
    }
    return new RunResult(
        method,
        seed,
        before,
        after,
        rewards.stream().mapToDouble(Double::doubleValue).toArray(),
        peak,
        growth,
        bytes,
        CompareTable.median(total.stream().mapToDouble(Double::doubleValue).toArray()),
        CompareTable.median(training.stream().mapToDouble(Double::doubleValue).toArray()));
  }

  private void stackAlive() {
    for (ServiceProcess service : stack.services()) {
      if (!service.isAlive()) {
        throw new IllegalStateException(
            service.spec().name() + " stopped unexpectedly; see " + service.log());
      }
    }
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

  private HttpRequest.Builder post(String path, String body) {
    return HttpRequest.newBuilder(URI.create(trainer + path))
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + apiKey)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }
}
