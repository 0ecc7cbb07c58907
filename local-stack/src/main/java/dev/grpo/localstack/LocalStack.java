package dev.grpo.localstack;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The platform on one machine: an embedded PostgreSQL (real PostgreSQL 17 binaries from Maven
 * Central) and the three services, each in its own JVM as in production. Nothing else needs to be
 * installed or running. Ctrl-C stops the services gracefully, then PostgreSQL.
 */
public final class LocalStack implements AutoCloseable {

  private final StackConfig config;
  private final PrintStream out;
  private final List<ServiceProcess> services = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile EmbeddedPostgres postgres;
  private volatile String jdbcUrl;

  LocalStack(StackConfig config, PrintStream out) {
    this.config = config;
    this.out = out;
  }

  static final String USAGE =
      "usage: grpo up | grpo demo [--keep] | grpo demo --pipeline NAME|FILE.json"
          + " | grpo soak [--minutes N] [--clients N]"
          + " | grpo compare [--seeds N] [--steps N] [--methods a,b,...]";

  public static void main(String[] args) throws Exception {
    List<String> argv = List.of(args);
    String command = argv.isEmpty() ? "up" : argv.get(0);
    List<String> options = argv.isEmpty() ? List.of() : argv.subList(1, argv.size());
    boolean usable =
        switch (command) {
          case "up" -> options.isEmpty();
          case "demo" ->
              options.isEmpty()
                  || options.equals(List.of("--keep"))
                  || (options.size() == 2 && options.get(0).equals("--pipeline"));
          case "soak" -> SoakOptions.parse(options) != null;
          case "compare" -> Compare.Options.parse(options) != null;
          default -> false;
        };
    if (!usable) {
      System.err.println(USAGE);
      System.exit(2);
    }
    StackConfig config;
    try {
      config = StackConfig.fromEnvironment(System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("grpo: " + e.getMessage());
      System.exit(2);
      return;
    }
    Instant started = Instant.now();
    LocalStack stack = new LocalStack(config, System.out);
    Demo demo = command.equals("demo") ? new Demo(stack, System.out, Demo.interactive()) : null;
    Compare compare = command.equals("compare") ? new Compare(stack, System.out) : null;
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  if (demo != null && !stack.closed.get()) {
                    demo.cancelIfRunning();
                  }
                  if (compare != null && !stack.closed.get()) {
                    compare.cancelIfRunning();
                  }
                  stack.close();
                  stopped.countDown();
                },
                "grpo-stop"));
    try {
      stack.start();
    } catch (Exception e) {
      System.err.println("grpo: " + e.getMessage());
      System.exit(1);
    }
    if (stack.closed.get()) {
      return;
    }
    if (command.equals("soak")) {
      runSoak(stack, SoakOptions.parse(options));
    }
    if (compare != null) {
      runCompare(stack, compare, Compare.Options.parse(options));
      return;
    }
    if (demo == null) {
      stack.printBanner();
      stack.watch();
      return;
    }
    if (options.contains("--pipeline")) {
      runPipelineDemo(stack, options.get(1));
      return;
    }
    runDemo(stack, demo, started, options.contains("--keep"));
  }

  /** {@code grpo soak}: the traffic, the table, then stop; exits 0 when everything held. */
  private static void runSoak(LocalStack stack, SoakOptions soak) throws Exception {
    boolean passed =
        new Soak(stack.config, System.out).run(stack, soak.duration(), soak.clients()).passed();
    stack.close();
    System.exit(passed ? 0 : 1);
  }

  /** {@code grpo compare}: every method over the seeds, the table, then stop. */
  private static void runCompare(LocalStack stack, Compare compare, Compare.Options options) {
    int status = 0;
    try {
      compare.run(options);
    } catch (Exception e) {
      if (stack.closed.get()) {
        return; // Ctrl-C: the shutdown hook cancels the run and stops the stack
      }
      System.err.println("grpo: the comparison failed: " + e.getMessage());
      status = 1;
    }
    stack.close();
    System.exit(status);
  }

  /** {@code grpo demo --pipeline NAME}: the pipeline on the started stack, then stop. */
  private static void runPipelineDemo(LocalStack stack, String name) {
    boolean succeeded;
    try {
      succeeded =
          new PipelineDemo(stack, System.out)
              .run(
                  PipelineDemo.spec(name, stack.config().home()),
                  Demo.seedFromEnvironment(System.getenv()));
    } catch (Exception e) {
      if (stack.closed.get()) {
        return;
      }
      System.err.println("grpo: the pipeline demo failed: " + e.getMessage());
      succeeded = false;
    }
    stack.close();
    System.exit(succeeded ? 0 : 1);
  }

  /** {@code grpo demo}: the demo run on the started stack, then stop (or keep it up). */
  private static void runDemo(LocalStack stack, Demo demo, Instant started, boolean keep)
      throws InterruptedException {
    Duration stackStart = Duration.between(started, Instant.now());
    System.out.printf(
        "The GRPO platform is up (%s); starting the demo run ...%n",
        DemoReport.seconds(stackStart));
    Demo.Result result;
    try {
      result = demo.run(Demo.spec(System.getenv()), stackStart, started);
    } catch (Exception e) {
      if (stack.closed.get()) {
        return; // Ctrl-C: the shutdown hook cancels the run and stops the stack
      }
      System.err.println("grpo: the demo failed: " + e.getMessage());
      stack.close();
      System.exit(1);
      return;
    }
    if (keep) {
      stack.printBanner();
      stack.watch();
      return;
    }
    stack.close();
    System.exit(result.succeeded() ? 0 : 1);
  }

  /** Starts PostgreSQL, then the three services in parallel, and waits until all are ready. */
  synchronized void start() throws IOException, InterruptedException {
    Files.createDirectories(config.stateDir());
    out.printf("Starting PostgreSQL (data in %s) ...%n", config.stateDir().resolve("pgdata"));
    postgres =
        EmbeddedPostgres.builder()
            .setDataDirectory(config.stateDir().resolve("pgdata"))
            .setCleanDataDirectory(false)
            .setPort(config.pgPort())
            .setServerConfig("max_connections", "200")
            // our own hook stops PostgreSQL after the services; the library's would stop it at
            // the same time, under services that are still shutting down (or cancelling a run)
            .setRegisterShutdownHook(false)
            .start();
    jdbcUrl = "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres";
    for (StackConfig.ServiceSpec spec : config.services()) {
      if (closed.get()) {
        return;
      }
      out.printf("Starting %s on port %d ...%n", spec.name(), spec.port());
      services.add(ServiceProcess.start(config, spec, jdbcUrl));
    }
    for (ServiceProcess service : services) {
      service.awaitReady(config.startTimeout(), closed::get);
      if (closed.get()) {
        return;
      }
      out.printf("  %s is ready (pid %d)%n", service.spec().name(), service.pid());
    }
  }

  void printBanner() {
    out.println();
    out.println("The GRPO platform is up.");
    for (StackConfig.ServiceSpec spec : config.services()) {
      out.printf(
          "  %-16s %s   (OpenAPI: %s/swagger-ui.html, logs: %s)%n",
          spec.name(),
          spec.url(),
          spec.url(),
          config.stateDir().resolve("logs").resolve(spec.name() + ".log"));
    }
    out.printf(
        "  %-16s jdbc:postgresql://localhost:%d/postgres (user postgres)%n",
        "postgres", postgres.getPort());
    out.printf(
        "  %-16s %s/console/   (enter the API key there once per browser tab)%n",
        "run console", config.services().get(0).url());
    out.println();
    out.printf(
        "API key%s: %s%n",
        config.generatedKey()
            ? " (generated; set GRPO_API_KEY to choose one)"
            : " (from GRPO_API_KEY)",
        config.apiKey());
    out.printf("  export GRPO_API_KEY=%s%n", config.apiKey());
    out.println("Press Ctrl-C to stop everything.");
  }

  /**
   * Blocks until the JVM is asked to stop. A service that dies (a crash, or a JVM that ran out of
   * memory and exited because every service runs with {@code -XX:+ExitOnOutOfMemoryError}) is
   * started again; one that dies {@value #MAX_RESTARTS} times within {@link #RESTART_WINDOW} stops
   * the stack, since restarting it again would only hide the fault.
   */
  void watch() throws InterruptedException {
    RestartBudget budget = new RestartBudget(MAX_RESTARTS, RESTART_WINDOW);
    while (!closed.get()) {
      for (ServiceProcess service : List.copyOf(services)) {
        if (!service.isAlive() && !closed.get()) {
          restartOrStop(service, budget);
        }
      }
      Thread.sleep(1000);
    }
  }

  static final int MAX_RESTARTS = 3;
  static final Duration RESTART_WINDOW = Duration.ofMinutes(10);

  private void restartOrStop(ServiceProcess dead, RestartBudget budget)
      throws InterruptedException {
    String name = dead.spec().name();
    if (budget.tryRestart(name, System.nanoTime())) {
      System.err.printf(
          "grpo: %s stopped unexpectedly (exit status %s); see %s. Starting it again.%n",
          name, dead.exitValue(), dead.log());
      try {
        restart(name);
        return;
      } catch (IOException | RuntimeException e) {
        System.err.printf("grpo: %s could not be started again: %s%n", name, e.getMessage());
      }
    } else {
      System.err.printf(
          "grpo: %s stopped unexpectedly %d times within %d minutes; see %s. Stopping the stack.%n",
          name, MAX_RESTARTS, RESTART_WINDOW.toMinutes(), dead.log());
    }
    close();
    System.exit(1);
  }

  List<ServiceProcess> services() {
    return services;
  }

  StackConfig config() {
    return config;
  }

  /** The running (or last started) process of the service called {@code name}. */
  ServiceProcess service(String name) {
    return services.stream()
        .filter(s -> s.spec().name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("the stack has no service " + name));
  }

  /** The stack's PostgreSQL (user and password {@code postgres}); null before {@link #start}. */
  String jdbcUrl() {
    return jdbcUrl;
  }

  /**
   * Kills a service like a crash would (SIGKILL, with the processes it started) and returns its
   * exit status. The stack does not restart it: see {@link #restart}.
   */
  int kill(String name) throws InterruptedException {
    ServiceProcess service = service(name);
    int status = service.kill();
    out.printf("  %s (pid %d) killed, exit status %d%n", name, service.pid(), status);
    return status;
  }

  /**
   * Starts a service again with the same port, environment and log file (appended to), and waits
   * until it is ready. One that is still running is stopped gracefully first.
   */
  synchronized ServiceProcess restart(String name) throws IOException, InterruptedException {
    if (closed.get() || jdbcUrl == null) {
      throw new IllegalStateException("the stack is not running");
    }
    ServiceProcess old = service(name);
    old.stop(Duration.ofSeconds(20));
    out.printf("Restarting %s on port %d ...%n", name, old.spec().port());
    ServiceProcess fresh = ServiceProcess.start(config, old.spec(), jdbcUrl);
    services.set(services.indexOf(old), fresh);
    fresh.awaitReady(config.startTimeout(), closed::get);
    out.printf("  %s is ready again (pid %d)%n", name, fresh.pid());
    return fresh;
  }

  /**
   * Stops the services, then PostgreSQL. Safe to call from the shutdown hook while {@link #start}
   * runs: it marks the stack closed at once (so no further service is launched), then waits for the
   * start to reach a consistent state.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    synchronized (this) {
      stopAll();
    }
  }

  private void stopAll() {
    out.println("Stopping the services ...");
    List<Thread> stoppers = new ArrayList<>();
    for (ServiceProcess service : services) {
      Thread t =
          new Thread(() -> service.stop(Duration.ofSeconds(20)), "stop-" + service.spec().name());
      t.start();
      stoppers.add(t);
    }
    for (Thread t : stoppers) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (postgres != null) {
      out.println("Stopping PostgreSQL ...");
      try {
        postgres.close();
      } catch (IOException e) {
        System.err.println("grpo: PostgreSQL did not stop cleanly: " + e.getMessage());
      }
    }
    out.println("Stopped.");
  }
}
