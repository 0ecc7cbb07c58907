package dev.grpo.reward.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Runs whose threads never get to clean up after them: a sandbox closed (or a JVM exiting) while a
 * run is in flight, and a JVM killed outright. Every run's directory is deleted all the same.
 */
class AbandonedRunsIT {

  private static final Path WORK_ROOT = Path.of("/dev/shm/grpo-sandbox-abandoned-it");
  private static final int UID_BASE = 63048;
  private static final int UID_COUNT = 2;

  private static SandboxConfig config() {
    return SandboxConfig.defaults().withWorkRoot(WORK_ROOT).withUids(UID_BASE, UID_COUNT);
  }

  @Test
  void closingTheSandboxKillsARunInFlightAndDeletesItsDirectory() throws Exception {
    CodeSandbox sandbox = CodeSandbox.start(config());
    CompletableFuture<ExecResult> run =
        CompletableFuture.supplyAsync(
            () -> {
              Submission s =
                  sandbox.prepare(
                      "import time\nprint('started', flush=True)\ntime.sleep(120)",
                      Language.PYTHON,
                      Map.of(),
                      SandboxPolicy.compileDefaults());
              // deliberately not closed: this thread is the one that gets abandoned
              return s.run(
                  null, SandboxPolicy.runDefaults().withWallTimeout(Duration.ofMinutes(2)));
            });
    waitUntil(() -> !sandboxProcesses().isEmpty(), Duration.ofSeconds(30));
    assertThat(runDirectories()).hasSize(1);

    sandbox.close();

    assertThat(runDirectories()).isEmpty();
    assertThat(sandboxProcesses()).isEmpty();
    // the abandoned run ends (killed) instead of sleeping for two minutes
    assertThat(run.get(30, TimeUnit.SECONDS).success()).isFalse();
    assertThat(runDirectories()).isEmpty();
  }

  @Test
  void startingDeletesTheDirectoriesOfAKilledJvm() throws Exception {
    Process killedJvm = new ProcessBuilder("/usr/bin/true").start();
    killedJvm.waitFor();
    Path left = WORK_ROOT.resolve("run-" + killedJvm.pid() + "-0123456789abcdef");
    Files.createDirectories(left.resolve("box"));
    Files.writeString(left.resolve("box/main.py"), "print(1)");
    Files.writeString(left.resolve("stdin-1"), "1\n");

    try (CodeSandbox sandbox = CodeSandbox.start(config())) {
      assertThat(left).doesNotExist();
      assertThat(sandbox.liveRunDirectories()).isEmpty();
    }
  }

  private static List<Long> sandboxProcesses() {
    return ProcessSweeper.pidsWithUid(u -> u >= UID_BASE && u < UID_BASE + UID_COUNT);
  }

  private static List<Path> runDirectories() throws Exception {
    if (!Files.isDirectory(WORK_ROOT)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(WORK_ROOT)) {
      return s.filter(p -> p.getFileName().toString().startsWith("run-")).toList();
    }
  }

  private static void waitUntil(java.util.function.BooleanSupplier done, Duration limit)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!done.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline).as("waited " + limit).isNegative();
      Thread.sleep(20);
    }
  }
}
