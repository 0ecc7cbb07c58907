package dev.grpo.reward.sandbox;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Compiles and runs untrusted programs in bubblewrap. Create one per service with {@link
 * #start(SandboxConfig)}, which fails fast when the sandbox cannot work here.
 */
public final class CodeSandbox implements AutoCloseable {

  private final SandboxRunner runner;
  private final SandboxAvailability availability;
  private final SandboxMetrics metrics;
  private final RunDirectories runDirs;
  private final WarmPool warm;
  private final Thread onJvmExit;

  private CodeSandbox(
      SandboxConfig config, SandboxAvailability availability, SandboxMetrics metrics) {
    this.runner = new SandboxRunner(config);
    this.availability = availability;
    this.metrics = metrics;
    this.runDirs = new RunDirectories(config.workRoot());
    this.warm = new WarmPool(runner, runDirs, config.warmSpares());
    runner.onUidShortage(warm::surrender);
    // sandbox workers are daemon threads: a JVM that exits mid-run abandons them, and with them
    // the deletion of their run directories
    this.onJvmExit = new Thread(this::killRunsAndDeleteTheirDirectories, "sandbox-cleanup");
    Runtime.getRuntime().addShutdownHook(onJvmExit);
  }

  /**
   * Checks that bubblewrap works and returns a sandbox.
   *
   * @throws SandboxAvailability.SandboxUnavailableException when code cannot be sandboxed here
   */
  public static CodeSandbox start(SandboxConfig config) {
    return start(config, SandboxMetrics.none());
  }

  /**
   * Like {@link #start(SandboxConfig)}, publishing {@code sandbox.executions} and {@code
   * sandbox.execution.duration} (see {@link SandboxMetrics}) to {@code meters}.
   */
  public static CodeSandbox start(SandboxConfig config, MeterRegistry meters) {
    return start(config, new SandboxMetrics(meters));
  }

  private static CodeSandbox start(SandboxConfig config, SandboxMetrics metrics) {
    SandboxAvailability availability = SandboxAvailability.probe(config);
    availability.requireAvailable();
    try {
      RunDirectories.sweepDead(config.workRoot()); // what a killed predecessor left behind
    } catch (IOException e) {
      throw new UncheckedIOException("cannot sweep " + config.workRoot(), e);
    }
    return new CodeSandbox(config, availability, metrics);
  }

  /**
   * A sandbox that skips the start-up probe, for fault-injection tests. Runs still go through
   * bubblewrap only; when it is missing they end as SANDBOX_ERROR, never unsandboxed.
   */
  static CodeSandbox withoutProbe(SandboxConfig config) {
    return withoutProbe(config, SandboxMetrics.none());
  }

  static CodeSandbox withoutProbe(SandboxConfig config, SandboxMetrics metrics) {
    try {
      SandboxAvailability.ensureWorkRoot(config.workRoot());
      SandboxAvailability.compileFilter(config);
    } catch (IOException | RuntimeException e) {
      // runs then fail to open the filter and end as SANDBOX_ERROR, never unfiltered
    }
    return new CodeSandbox(config, new SandboxAvailability(false, "not probed"), metrics);
  }

  public SandboxAvailability availability() {
    return availability;
  }

  public SandboxConfig config() {
    return runner.config();
  }

  /**
   * Writes the submission to a private directory and compiles it if the language needs it.
   *
   * @param files extra files for the working directory (relative paths, no "..")
   */
  public Submission prepare(
      String code, Language language, Map<String, byte[]> files, SandboxPolicy compilePolicy) {
    Path dir;
    try {
      dir = runDirs.create();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Path box = dir.resolve("box");
    try {
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        Path target = box.resolve(checkedRelative(f.getKey()));
        Files.createDirectories(target.getParent());
        Files.write(target, f.getValue());
      }
      String source = language.sourceFile(code);
      Files.writeString(box.resolve(source), code, StandardCharsets.UTF_8);
      Submission submission =
          new Submission(runner, warm, metrics, dir, box, language, source, runDirs::delete);
      if (language.compiled()) {
        submission.compile(compilePolicy);
      }
      return submission;
    } catch (IOException | RuntimeException e) {
      runDirs.delete(dir);
      if (e instanceof IllegalArgumentException iae) {
        throw iae;
      }
      throw new UncheckedIOException(
          e instanceof IOException io ? io : new IOException(e.getMessage(), e));
    }
  }

  public static String checkedRelative(String name) {
    if (name == null || name.isEmpty() || name.startsWith("/")) {
      throw new IllegalArgumentException("files: bad file name: " + name);
    }
    if (name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new IllegalArgumentException("files: a file name holds a control character");
    }
    Path p = Path.of(name).normalize();
    if (p.isAbsolute() || p.startsWith("..") || p.toString().isEmpty()) {
      throw new IllegalArgumentException("files: file name escapes the work directory: " + name);
    }
    return p.toString();
  }

  public static byte[] nonce(int bytes) {
    return RunDirectories.randomBytes(bytes);
  }

  /** The run directories made and not deleted yet. */
  java.util.Set<Path> liveRunDirectories() {
    return runDirs.live();
  }

  /**
   * Kills every sandbox started ahead of its run (see {@link WarmPool}), after the refills asked
   * for so far; later runs warm their shapes again. For checks that count what is left of runs.
   */
  void coolDown() {
    warm.coolDown();
  }

  /**
   * The pids of the sandboxes parked now (see {@link WarmPool}), once the refills asked for so far
   * have run.
   */
  java.util.Set<Long> parkedPids() {
    return warm.parkedPids();
  }

  /** Kills what still runs as this sandbox's uids, then deletes every run directory left. */
  private void killRunsAndDeleteTheirDirectories() {
    warm.close();
    runner.killRuns();
    runDirs.deleteAll();
  }

  /**
   * Kills the runs still in flight and deletes their directories; their threads then see their
   * programs killed. Call it after the executor that feeds this sandbox has stopped.
   */
  @Override
  public void close() {
    killRunsAndDeleteTheirDirectories();
    runner.close();
    try {
      Runtime.getRuntime().removeShutdownHook(onJvmExit);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or has run
    }
  }
}
