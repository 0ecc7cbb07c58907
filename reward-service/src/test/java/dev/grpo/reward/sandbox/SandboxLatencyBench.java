package dev.grpo.reward.sandbox;

import dev.grpo.reward.runcode.RunCodeRequest;
import dev.grpo.reward.runcode.RunCodeResponse;
import dev.grpo.reward.runcode.SandboxFusionFacade;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code print(1)} three ways in one run, p50/p90 of sequential runs: raw {@code python3 -c}, bare
 * {@code bwrap} + python3 (namespaces and mounts, no limits, no uid drop, no filter), and the
 * service's run_code path (facade + executor + sandbox, what {@code POST /api/v1/sandbox/run} calls
 * minus the HTTP exchange) and, given a running reward service's URL, that endpoint itself over
 * HTTP, with the service's liveness probe as the floor of what any HTTP request costs there. The
 * rows run in turn, round after round, so load changes hit them alike. Prints a table; asserts
 * nothing about time.
 *
 * <p>Run: {@code java -cp target/classes:target/test-classes:<deps>
 * dev.grpo.reward.sandbox.SandboxLatencyBench [iterations [reward-url]]}, as root with bubblewrap;
 * the URL may also come from {@code GRPO_REWARD_URL}, the key from {@code GRPO_API_KEY}.
 */
public final class SandboxLatencyBench {

  private interface Job {
    void run() throws Exception;
  }

  private SandboxLatencyBench() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    CodeSandbox sandbox =
        CodeSandbox.start(
            SandboxConfig.defaults()
                .withWorkRoot(Path.of("/dev/shm/grpo-sandbox-latency"))
                .withUids(63600, 4));
    SandboxFusionFacade facade = new SandboxFusionFacade(sandbox, new SandboxExecutor(1, 4));
    Job raw = () -> exec(List.of("/usr/bin/python3", "-c", "print(1)"));
    Job bare =
        () ->
            exec(
                List.of(
                    "/usr/bin/bwrap",
                    "--unshare-all",
                    "--die-with-parent",
                    "--ro-bind",
                    "/usr",
                    "/usr",
                    "--symlink",
                    "usr/lib",
                    "/lib",
                    "--symlink",
                    "usr/lib64",
                    "/lib64",
                    "--symlink",
                    "usr/bin",
                    "/bin",
                    "--proc",
                    "/proc",
                    "--dev",
                    "/dev",
                    "--tmpfs",
                    "/tmp",
                    "--",
                    "/usr/bin/python3",
                    "-c",
                    "print(1)"));
    Job service =
        () -> {
          RunCodeResponse r =
              facade
                  .submit(RunCodeRequest.of("print(1)", "python", null))
                  .get(30, TimeUnit.SECONDS);
          if (!"1\n".equals(r.runResult().stdout())) {
            throw new IllegalStateException("unexpected answer " + r);
          }
        };
    List<String> names = new ArrayList<>(List.of("raw python3 -c", "bare bwrap + python3"));
    List<Job> jobs = new ArrayList<>(List.of(raw, bare));
    names.add("service run_code (facade+executor+sandbox)");
    jobs.add(service);
    String url = args.length > 1 ? args[1] : System.getenv("GRPO_REWARD_URL");
    if (url != null && !url.isBlank()) {
      names.add("service over HTTP (POST /api/v1/sandbox/run)");
      jobs.add(overHttp(url, System.getenv("GRPO_API_KEY")));
      names.add("  HTTP floor: GET /actuator/health/liveness");
      jobs.add(liveness(url));
    }
    Latency[] rows = interleaved(jobs, n);
    System.out.printf(
        "%-46s %8s %8s%n", "print(1), " + n + " runs each, interleaved", "p50 ms", "p90 ms");
    for (int j = 0; j < jobs.size(); j++) {
      System.out.printf("%-46s %8.1f %8.1f%n", names.get(j), rows[j].p50(), rows[j].p90());
    }
    System.out.printf(
        "overhead at p50 over raw python3: bare bwrap %+.1f ms, service %+.1f ms (%+.1f ms over"
            + " bare)%s%n",
        rows[1].p50() - rows[0].p50(),
        rows[2].p50() - rows[0].p50(),
        rows[2].p50() - rows[1].p50(),
        jobs.size() > 3
            ? ", over HTTP %+.1f ms (%+.1f ms over bare)"
                .formatted(rows[3].p50() - rows[0].p50(), rows[3].p50() - rows[1].p50())
            : "");
    sandbox.close();
    System.exit(0);
  }

  /** One row's percentiles, in milliseconds. */
  private record Latency(double p50, double p90) {}

  /** The reward service's sandbox endpoint on a running service, with a kept-alive connection. */
  private static Job overHttp(String url, String key) {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url.replaceAll("/+$", "") + "/api/v1/sandbox/run"))
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"language\": \"python\", \"code\": \"print(1)\"}"));
    if (key != null && !key.isBlank()) {
      request.header("Authorization", "Bearer " + key);
    }
    HttpRequest built = request.build();
    return () -> {
      HttpResponse<String> r = client.send(built, HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200 || !r.body().contains("\"stdout\":\"1\\n\"")) {
        throw new IllegalStateException("unexpected answer " + r.statusCode() + " " + r.body());
      }
    };
  }

  /** The same service's cheapest request: what HTTP itself costs on this machine now. */
  private static Job liveness(String url) {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest built =
        HttpRequest.newBuilder(URI.create(url.replaceAll("/+$", "") + "/actuator/health/liveness"))
            .GET()
            .build();
    return () -> {
      HttpResponse<String> r = client.send(built, HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException("liveness answered " + r.statusCode());
      }
    };
  }

  /**
   * Runs the jobs in turn, {@code n} rounds after a warm-up, so a change in the machine's load hits
   * every row alike.
   */
  private static Latency[] interleaved(List<Job> jobs, int n) throws Exception {
    for (int i = 0; i < Math.max(5, n / 10); i++) {
      for (Job job : jobs) {
        job.run();
      }
    }
    double[][] ms = new double[jobs.size()][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < jobs.size(); j++) {
        long t = System.nanoTime();
        jobs.get(j).run();
        ms[j][i] = (System.nanoTime() - t) / 1e6;
      }
    }
    Latency[] rows = new Latency[jobs.size()];
    for (int j = 0; j < jobs.size(); j++) {
      Arrays.sort(ms[j]);
      rows[j] = new Latency(ms[j][n / 2], ms[j][(int) (n * 0.9)]);
    }
    return rows;
  }

  private static void exec(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (p.waitFor() != 0 || out.length != 2) {
      throw new IllegalStateException(command + " failed: " + new String(out));
    }
  }
}
