package dev.grpo.localstack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** One service JVM of the local stack, with its log file and its readiness probe. */
final class ServiceProcess {

  private final StackConfig.ServiceSpec spec;
  private final Path log;
  private final Process process;

  private ServiceProcess(StackConfig.ServiceSpec spec, Path log, Process process) {
    this.spec = spec;
    this.log = log;
    this.process = process;
  }

  /**
   * The services that run the policy in-process (training, embedded sampling). On a 2-core machine
   * two services of default libtorch threading spin their OpenMP workers against each other; one
   * thread each is faster there and makes the numbers independent of the core count.
   */
  private static final Set<String> POLICY_SERVICES = Set.of("trainer-service", "rollout-service");

  static ServiceProcess start(StackConfig config, StackConfig.ServiceSpec spec, String jdbcUrl)
      throws IOException {
    Path jar = spec.jar(config.home());
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          jar + " is missing: build it with ./mvnw -DskipTests package");
    }
    Path logs = Files.createDirectories(config.stateDir().resolve("logs"));
    Path log = logs.resolve(spec.name() + ".log");
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    // a JVM that ran out of memory may live on with dead threads (an acceptor, a scheduler) and
    // never answer again; exiting lets the stack start it afresh (see LocalStack.watch)
    command.add("-XX:+ExitOnOutOfMemoryError");
    for (String option : config.javaOptions().trim().split("\\s+")) {
      if (!option.isEmpty()) {
        command.add(option);
      }
    }
    boolean runsPolicy = POLICY_SERVICES.contains(spec.name());
    if (runsPolicy && !config.javaOptions().contains("ai.djl.pytorch.num_threads")) {
      command.add("-Dai.djl.pytorch.num_threads=1");
      command.add("-Dai.djl.pytorch.num_interop_threads=1");
    }
    command.add("-jar");
    command.add(jar.toString());
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> env = builder.environment();
    if (runsPolicy) {
      // the same numerics on every x86-64 CPU with AVX2 (AVX-512 machines included), as in the
      // learning tests: libtorch's AVX2 kernels and MKL's AVX2 path; one intra-op thread above;
      // the caller's environment wins
      env.putIfAbsent("ATEN_CPU_CAPABILITY", "avx2");
      env.putIfAbsent("MKL_CBWR", "AVX2");
      env.putIfAbsent("OMP_WAIT_POLICY", "PASSIVE");
    }
    env.put("SERVER_PORT", Integer.toString(spec.port()));
    env.put("GRPO_DB_URL", jdbcUrl);
    env.put("GRPO_DB_USER", "postgres");
    env.put("GRPO_DB_PASSWORD", "postgres");
    env.put("GRPO_API_KEY", config.apiKey());
    env.put("DJL_OFFLINE", "true");
    env.put("GRPO_TRAINER_URL", "http://localhost:" + config.services().get(0).port());
    env.put("GRPO_ROLLOUT_URL", "http://localhost:" + config.services().get(1).port());
    env.put("GRPO_REWARD_URL", "http://localhost:" + config.services().get(2).port());
    // checkpoints and the policy weights the rollout service loads on a sync
    env.put("GRPO_DATA_DIR", config.stateDir().resolve("data").toString());
    if (spec.name().equals("reward-service") && !sandboxPossible()) {
      // without bubblewrap (or root to hand each run its own uid) the code rules answer ERROR;
      // the rest of the stack still comes up, and says so
      System.out.println(
          "  note: no code sandbox here (needs root and bubblewrap: apt-get install bubblewrap);"
              + " code_execution and /api/v1/sandbox/run will answer with errors");
      env.put("MANAGEMENT_ENDPOINT_HEALTH_GROUP_READINESS_INCLUDE", "readinessState,db");
    }
    if (spec.name().equals("rollout-service")) {
      // the local stack samples in-process with the tiny policy; pods are for clusters
      env.putIfAbsent("GRPO_ROLLOUT_BACKENDS_0_NAME", "embedded");
      env.putIfAbsent("GRPO_ROLLOUT_BACKENDS_0_TYPE", "embedded");
      env.putIfAbsent("GRPO_ROLLOUT_BACKENDS_0_MODEL", "tiny");
    }
    env.putAll(config.extraEnv());
    builder.redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.directory(config.home().toFile());
    return new ServiceProcess(spec, log, builder.start());
  }

  private static boolean sandboxPossible() {
    return Files.isExecutable(Path.of("/usr/bin/bwrap"))
        && "root".equals(System.getProperty("user.name"));
  }

  /**
   * Waits until the service's readiness group answers UP, or fails with the log's tail; returns
   * early when {@code cancelled} turns true (the stack is being stopped).
   */
  void awaitReady(Duration timeout, java.util.function.BooleanSupplier cancelled)
      throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    URI readiness = URI.create(spec.url() + "/actuator/health/readiness");
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (cancelled.getAsBoolean()) {
        return;
      }
      if (!process.isAlive()) {
        throw new IllegalStateException(
            spec.name()
                + " exited with status "
                + process.exitValue()
                + "; its log ends with:\n"
                + tail());
      }
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(readiness).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException(
        spec.name()
            + " was not ready within "
            + timeout.toSeconds()
            + " s; its log ends with:\n"
            + tail());
  }

  /** Asks the service to shut down gracefully, then forces it after {@code grace}. */
  void stop(Duration grace) {
    if (!process.isAlive()) {
      return;
    }
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Kills the service the way a crash would: SIGKILL on Linux ({@link Process#destroyForcibly}), so
   * no shutdown hook, graceful shutdown or lease release runs; the processes it started (code
   * sandboxes) are killed with it. Returns its exit status once it is gone (137 for a SIGKILL).
   */
  int kill() throws InterruptedException {
    // taken first: once the JVM is gone its children are re-parented and no longer found from it
    List<ProcessHandle> children = process.descendants().toList();
    process.destroyForcibly();
    children.forEach(ProcessHandle::destroyForcibly);
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException(spec.name() + " (pid " + pid() + ") survived a SIGKILL");
    }
    return process.exitValue();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** The exit status once the process has ended; null while it runs. */
  Integer exitValue() {
    return process.isAlive() ? null : process.exitValue();
  }

  long pid() {
    return process.pid();
  }

  StackConfig.ServiceSpec spec() {
    return spec;
  }

  Path log() {
    return log;
  }

  private String tail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e.getMessage() + ")";
    }
  }
}
