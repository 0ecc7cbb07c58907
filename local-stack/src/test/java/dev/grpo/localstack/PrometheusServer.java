package dev.grpo.localstack;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real Prometheus process for a test: the repository's {@code deploy/prometheus/prometheus.yml}
 * with each job's target moved to the port the test's service listens on, a 1 s scrape and rule
 * interval, the rule files at their absolute paths, a data directory of its own and a free port.
 */
final class PrometheusServer implements AutoCloseable {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final Process process;
  private final Path dir;
  private final String url;

  private PrometheusServer(Process process, Path dir, String url) {
    this.process = process;
    this.dir = dir;
    this.url = url;
  }

  /**
   * Starts Prometheus on {@code config} (the repository's file) with each scrape job's targets
   * replaced by {@code localhost:<port>} from {@code portsByJob}; every job of the file must have a
   * port, and every port a job.
   */
  static PrometheusServer start(Path binary, Path config, Map<String, Integer> portsByJob, Path dir)
      throws IOException, InterruptedException {
    Map<String, Object> yaml = new Yaml().load(Files.readString(config));
    Map<String, Object> rewritten = rewrite(yaml, portsByJob, config.toAbsolutePath().getParent());
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    Path file = dir.resolve("prometheus.yml");
    Files.writeString(file, new Yaml(options).dump(rewritten));
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path log = dir.resolve("prometheus.log");
    Process p =
        new ProcessBuilder(
                binary.toString(),
                "--config.file=" + file,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--storage.tsdb.retention.time=1d",
                "--log.level=warn")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    PrometheusServer server = new PrometheusServer(p, dir, "http://127.0.0.1:" + port);
    server.awaitReady(Duration.ofSeconds(60));
    return server;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> rewrite(
      Map<String, Object> config, Map<String, Integer> portsByJob, Path configDir) {
    Map<String, Object> out = new LinkedHashMap<>(config);
    Map<String, Object> global = new LinkedHashMap<>((Map<String, Object>) config.get("global"));
    global.put("scrape_interval", "1s");
    global.put("evaluation_interval", "1s");
    out.put("global", global);
    List<String> rules = new ArrayList<>();
    for (Object f : (List<Object>) config.getOrDefault("rule_files", List.of())) {
      rules.add(configDir.resolve(f.toString()).toAbsolutePath().normalize().toString());
    }
    out.put("rule_files", rules);
    Map<String, Integer> unused = new TreeMap<>(portsByJob);
    List<Object> jobs = new ArrayList<>();
    for (Object o : (List<Object>) config.get("scrape_configs")) {
      Map<String, Object> job = new LinkedHashMap<>((Map<String, Object>) o);
      String name = (String) job.get("job_name");
      Integer port = unused.remove(name);
      if (port == null) {
        throw new IllegalArgumentException("no port for the scrape job " + name);
      }
      job.put("static_configs", List.of(Map.of("targets", List.of("localhost:" + port))));
      jobs.add(job);
    }
    if (!unused.isEmpty()) {
      throw new IllegalArgumentException("no scrape job named " + unused.keySet());
    }
    out.put("scrape_configs", jobs);
    return out;
  }

  private void awaitReady(Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "prometheus exited with " + process.exitValue() + ":\n" + log());
      }
      try {
        HttpResponse<String> r =
            HTTP.send(
                HttpRequest.newBuilder(URI.create(url + "/-/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    close();
    throw new IllegalStateException("prometheus was not ready within " + timeout + ":\n" + log());
  }

  String url() {
    return url;
  }

  String log() {
    try {
      return Files.readString(dir.resolve("prometheus.log"));
    } catch (IOException e) {
      return e.toString();
    }
  }

  /** An instant query through {@code /api/v1/query}: the label sets of the result's series. */
  List<Map<String, String>> query(String promql) throws IOException, InterruptedException {
    JsonNode data = api("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    List<Map<String, String>> series = new ArrayList<>();
    for (JsonNode s : data.get("result")) {
      Map<String, String> labels = new TreeMap<>();
      s.get("metric").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asString()));
      series.add(labels);
    }
    return series;
  }

  /** {@code label_values(match, label)} as Grafana asks it: {@code /api/v1/label/<l>/values}. */
  List<String> labelValues(String label, String match) throws IOException, InterruptedException {
    JsonNode data =
        api(
            "/api/v1/label/"
                + label
                + "/values?match[]="
                + URLEncoder.encode(match, StandardCharsets.UTF_8));
    List<String> values = new ArrayList<>();
    data.forEach(v -> values.add(v.asString()));
    return values;
  }

  /** The {@code data} of {@code /api/v1/rules}: the loaded groups, their health and errors. */
  JsonNode rules() throws IOException, InterruptedException {
    return api("/api/v1/rules");
  }

  private JsonNode api(String path) throws IOException, InterruptedException {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString());
    JsonNode body = JSON.readTree(r.body());
    if (r.statusCode() != 200 || !"success".equals(body.path("status").asString())) {
      throw new IllegalStateException(path + " answered " + r.statusCode() + ": " + r.body());
    }
    return body.get("data");
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
