package dev.grpo.reward.sandbox;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;

/**
 * Compiles and runs untrusted programs in bubblewrap. Create one per service with {@link
 * #start(SandboxConfig)}, which fails fast when the sandbox cannot work here.
 */
public final class CodeSandbox implements AutoCloseable {

  private static final SecureRandom RANDOM = new SecureRandom();

  private final SandboxRunner runner;
  private final SandboxAvailability availability;
  private final SandboxMetrics metrics;

  private CodeSandbox(
      SandboxConfig config, SandboxAvailability availability, SandboxMetrics metrics) {
    this.runner = new SandboxRunner(config);
    this.availability = availability;
    this.metrics = metrics;
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
    Path dir = config().workRoot().resolve("run-" + HexFormat.of().formatHex(nonce(8)));
    Path box = dir.resolve("box");
    try {
      Files.createDirectories(box);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
      Files.setPosixFilePermissions(box, PosixFilePermissions.fromString("rwxr-xr-x"));
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        Path target = box.resolve(checkedRelative(f.getKey()));
        Files.createDirectories(target.getParent());
        Files.write(target, f.getValue());
      }
      String source = language.sourceFile(code);
      Files.writeString(box.resolve(source), code, StandardCharsets.UTF_8);
      Submission submission = new Submission(runner, metrics, dir, box, language, source);
      if (language.compiled()) {
        submission.compile(compilePolicy);
      }
      return submission;
    } catch (IOException | RuntimeException e) {
      deleteTree(dir);
      if (e instanceof IllegalArgumentException iae) {
        throw iae;
      }
      throw new UncheckedIOException(
          e instanceof IOException io ? io : new IOException(e.getMessage(), e));
    }
  }

  public static String checkedRelative(String name) {
    if (name == null || name.isEmpty() || name.startsWith("/") || name.contains("\0")) {
      throw new IllegalArgumentException("bad file name: " + name);
    }
    Path p = Path.of(name).normalize();
    if (p.isAbsolute() || p.startsWith("..") || p.toString().isEmpty()) {
      throw new IllegalArgumentException("file name escapes the work directory: " + name);
    }
    return p.toString();
  }

  public static byte[] nonce(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return b;
  }

  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
              Files.deleteIfExists(d);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root, e);
    }
  }

  @Override
  public void close() {
    runner.close();
  }
}
