package dev.grpo.reward.sandbox;

import dev.grpo.reward.sandbox.seccomp.SeccompFilter;
import dev.grpo.reward.sandbox.seccomp.SeccompUnavailableException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Whether untrusted code can be run here. The service checks this at start-up (and readiness
 * reports DOWN when it is not available); the runner refuses to run anything unsandboxed.
 *
 * @param available true when bubblewrap, setpriv and prlimit exist, the seccomp filter was built
 *     and a probe sandbox ran under it
 * @param reason why not, or "ok"
 */
public record SandboxAvailability(boolean available, String reason) {

  /** Thrown when code would have to run without a sandbox. */
  public static final class SandboxUnavailableException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public SandboxUnavailableException(String message) {
      super(message);
    }
  }

  public static SandboxAvailability probe(SandboxConfig config) {
    if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
      return no("sandbox needs Linux namespaces; os.name=" + System.getProperty("os.name"));
    }
    for (Path tool : List.of(config.bwrap(), config.setpriv(), config.prlimit())) {
      if (!Files.isExecutable(tool)) {
        return no(
            tool
                + " not found or not executable; install bubblewrap and util-linux"
                + " (refusing to run code unsandboxed)");
      }
    }
    if (ProcessSweeper.effectiveUid() != 0) {
      return no(
          "the service must run as root to drop each run to its own unprivileged uid"
              + " (setpriv --reuid); effective uid is "
              + ProcessSweeper.effectiveUid());
    }
    try {
      ensureWorkRoot(config.workRoot());
    } catch (IOException e) {
      return no("cannot prepare work root " + config.workRoot() + ": " + e.getMessage());
    }
    try {
      compileFilter(config);
    } catch (SeccompUnavailableException e) {
      return no(
          "cannot build the seccomp filter (refusing to run code without it): " + e.getMessage());
    }
    return runProbe(probeCommand(config));
  }

  private static List<String> probeCommand(SandboxConfig config) {
    return SandboxRunner.withSeccomp(
        config,
        List.of(
            config.setpriv().toString(),
            "--reuid=" + (config.uidBase() + config.uidCount() - 1),
            "--regid=" + (config.uidBase() + config.uidCount() - 1),
            "--clear-groups",
            "--inh-caps=-all",
            "--",
            config.bwrap().toString(),
            "--seccomp",
            SandboxRunner.SECCOMP_FD,
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
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--tmpfs",
            "/tmp",
            "--clearenv",
            "--",
            "/usr/bin/true"));
  }

  /** Runs {@code /usr/bin/true} in a sandbox built like a real run's: the last check. */
  private static SandboxAvailability runProbe(List<String> cmd) {
    try {
      Process p =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .directory(Path.of("/").toFile())
              .start();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return no("probe sandbox did not finish within 10 s");
      }
      String out = new String(p.getInputStream().readAllBytes()).trim();
      if (p.exitValue() != 0) {
        return no("probe sandbox failed (exit " + p.exitValue() + "): " + out);
      }
    } catch (IOException e) {
      return no("cannot start probe sandbox: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return no("interrupted");
    }
    return new SandboxAvailability(true, "ok");
  }

  /**
   * Compiles the filter next to its final name and moves it into place, so a run of another sandbox
   * of this JVM that opens the file meanwhile reads either the old or the new (identical) program,
   * never a half-written one.
   */
  static void compileFilter(SandboxConfig config) {
    Path target = config.seccompFilter();
    Path scratch =
        target.resolveSibling(
            target.getFileName()
                + "."
                + java.util.HexFormat.of().formatHex(RunDirectories.randomBytes(6)));
    try {
      SeccompFilter.compile(scratch);
      Files.move(
          scratch, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new SeccompUnavailableException("cannot move the filter into place: " + e.getMessage());
    } finally {
      try {
        Files.deleteIfExists(scratch);
      } catch (IOException ignored) {
        // a stray scratch file under the work root; harmless
      }
    }
  }

  static void ensureWorkRoot(Path root) throws IOException {
    Files.createDirectories(root);
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
  }

  private static SandboxAvailability no(String reason) {
    return new SandboxAvailability(false, reason);
  }

  /** Throws unless available. */
  public void requireAvailable() {
    if (!available) {
      throw new SandboxUnavailableException("code sandbox unavailable: " + reason);
    }
  }
}
