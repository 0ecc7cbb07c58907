package dev.grpo.localstack;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import tools.jackson.databind.json.JsonMapper;

/**
 * Mixed, partly hostile traffic against a running stack from several clients on loopback: scoring
 * (ordinary items, a multi-megabyte item, over-deep math), sandboxed programs (ordinary, endless,
 * memory-hungry, fork bombs), malformed bodies, and rollouts of a live run that trains meanwhile.
 * Afterwards every request must have been answered with an expected status, every kind's p99 within
 * its bound, every service still the same process (no crash, no restart), no OutOfMemoryError in
 * any log, and the run not failed.
 */
final class Soak {

  /** One kind of request, what a right answer is, and how slow its p99 may be. */
  record Probe(String name, Request request, Predicate<Answer> expected, Duration p99Bound) {}

  /** Builds the request of a probe; {@code n} numbers the requests of one client. */
  interface Request {
    HttpRequest build(int n);
  }

  /** What came back: a status and a body, or nothing within the client timeout (status -1). */
  record Answer(int status, String body, long nanos) {}

  private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(120);
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final StackConfig config;
  private final PrintStream out;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();
  private final Map<String, ConcurrentLinkedQueue<Answer>> answers = new ConcurrentHashMap<>();
  private final Map<String, ConcurrentLinkedQueue<String>> surprises = new ConcurrentHashMap<>();

  Soak(StackConfig config, PrintStream out) {
    this.config = config;
    this.out = out;
  }

  /** Runs the traffic for {@code duration} from {@code clients} threads and prints the table. */
  SoakReport run(LocalStack stack, Duration duration, int clients) throws Exception {
    List<Long> pids = stack.services().stream().map(ServiceProcess::pid).toList();
    String runId = startRun();
    List<Probe> probes = SoakProbes.all(this, runId);
    out.printf(
        "Soak: %d clients, %d s, %d kinds of request, run %s training meanwhile%n",
        clients, duration.toSeconds(), probes.size(), runId);
    long deadline = System.nanoTime() + duration.toNanos();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    AtomicInteger counter = new AtomicInteger();
    for (int c = 0; c < clients; c++) {
      int client = c;
      pool.submit(() -> drive(probes, client, deadline, counter));
    }
    pool.shutdown();
    if (!pool.awaitTermination(
        duration.plus(CLIENT_TIMEOUT).plusMinutes(1).toMillis(), TimeUnit.MILLISECONDS)) {
      pool.shutdownNow();
    }
    List<String> faults = new ArrayList<>();
    for (int i = 0; i < pids.size(); i++) {
      ServiceProcess now = stack.services().get(i);
      if (!now.isAlive() || now.pid() != pids.get(i)) {
        faults.add(now.spec().name() + " died or was restarted during the soak");
      }
    }
    faults.addAll(logFaults(stack));
    String runState = cancelRun(runId);
    if ("FAILED".equals(runState)) {
      faults.add("the run training during the soak FAILED");
    }
    SoakReport report = SoakReport.of(probes, answers, surprises, faults);
    report.print(out);
    return report;
  }

  private void drive(List<Probe> probes, int client, long deadline, AtomicInteger counter) {
    int i = client;
    while (System.nanoTime() < deadline) {
      Probe probe = probes.get(i++ % probes.size());
      Answer answer = send(probe.request().build(counter.incrementAndGet()));
      answers.computeIfAbsent(probe.name(), k -> new ConcurrentLinkedQueue<>()).add(answer);
      if (!probe.expected().test(answer)) {
        String body =
            answer.body().length() > 200 ? answer.body().substring(0, 200) : answer.body();
        surprises
            .computeIfAbsent(probe.name(), k -> new ConcurrentLinkedQueue<>())
            .add(answer.status() + " " + body.replace('\n', ' '));
      }
    }
  }

  private Answer send(HttpRequest request) {
    long start = System.nanoTime();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      return new Answer(response.statusCode(), response.body(), System.nanoTime() - start);
    } catch (IOException e) {
      return new Answer(-1, "no answer: " + e, System.nanoTime() - start);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Answer(-1, "interrupted", System.nanoTime() - start);
    }
  }

  /** A request with the stack's key, JSON body and the client timeout. */
  HttpRequest post(String service, String path, String json) {
    return HttpRequest.newBuilder(URI.create(config.service(service).url() + path))
        .header("Authorization", "Bearer " + config.apiKey())
        .header("Content-Type", "application/json")
        .timeout(CLIENT_TIMEOUT)
        .POST(HttpRequest.BodyPublishers.ofString(json))
        .build();
  }

  private String startRun() throws IOException, InterruptedException {
    String spec =
        """
        {"name":"soak","schedule":{"steps":100000,"promptsPerStep":4,"checkpointEvery":0},
         "algorithm":{"groupSize":4},"rollout":{"maxTokens":24}}
        """;
    Answer created = send(post("trainer-service", "/api/v1/runs", spec));
    if (created.status() != 201) {
      throw new IllegalStateException(
          "the soak's run was not created: " + created.status() + " " + created.body());
    }
    return UUID.fromString(JSON.readTree(created.body()).path("id").asString()).toString();
  }

  private String cancelRun(String runId) {
    send(post("trainer-service", "/api/v1/runs/" + runId + "/cancel", "{}"));
    Answer run =
        send(
            HttpRequest.newBuilder(
                    URI.create(config.service("trainer-service").url() + "/api/v1/runs/" + runId))
                .header("Authorization", "Bearer " + config.apiKey())
                .timeout(CLIENT_TIMEOUT)
                .build());
    return run.status() == 200 ? JSON.readTree(run.body()).path("state").asString() : "unknown";
  }

  private static List<String> logFaults(LocalStack stack) throws IOException {
    List<String> faults = new ArrayList<>();
    for (ServiceProcess service : stack.services()) {
      if (Files.isRegularFile(service.log())
          && Files.readString(service.log()).contains("OutOfMemoryError")) {
        faults.add(service.spec().name() + " logged an OutOfMemoryError: see " + service.log());
      }
    }
    return faults;
  }
}
