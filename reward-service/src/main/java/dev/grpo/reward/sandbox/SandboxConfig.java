package dev.grpo.reward.sandbox;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the sandbox tools live and which host resources it may use.
 *
 * @param bwrap bubblewrap binary
 * @param setpriv util-linux setpriv, used to drop to the slot uid before bwrap starts
 * @param prlimit util-linux prlimit, used to set rlimits before bwrap starts
 * @param workRoot host directory holding one private directory per submission
 * @param uidBase first uid of the slot range; each concurrent run gets its own uid
 * @param uidCount number of slot uids (an upper bound on concurrent runs in this host)
 * @param warmSpares sandboxes kept started ahead, per shape of run in use (see {@link WarmPool}); 0
 *     starts every sandbox when its run comes
 */
public record SandboxConfig(
    Path bwrap,
    Path setpriv,
    Path prlimit,
    Path workRoot,
    int uidBase,
    int uidCount,
    int warmSpares) {

  /** Environment variable set inside every sandbox; also appears on bwrap's command line. */
  public static final String MARKER = "GRPO_SANDBOX_RUN";

  public SandboxConfig {
    if (uidBase < 1000 || uidCount <= 0 || (long) uidBase + uidCount > 65534) {
      throw new IllegalArgumentException("uid range must lie within [1000, 65534)");
    }
    if (warmSpares < 0 || warmSpares > 16) {
      throw new IllegalArgumentException("warmSpares must lie within [0, 16]");
    }
  }

  public static SandboxConfig defaults() {
    Path shm = Path.of("/dev/shm");
    Path base = Files.isDirectory(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    return new SandboxConfig(
        Path.of("/usr/bin/bwrap"),
        Path.of("/usr/bin/setpriv"),
        Path.of("/usr/bin/prlimit"),
        base.resolve("grpo-sandbox"),
        62000,
        64,
        2);
  }

  public SandboxConfig withBwrap(Path path) {
    return new SandboxConfig(path, setpriv, prlimit, workRoot, uidBase, uidCount, warmSpares);
  }

  public SandboxConfig withWorkRoot(Path path) {
    return new SandboxConfig(bwrap, setpriv, prlimit, path, uidBase, uidCount, warmSpares);
  }

  public SandboxConfig withUids(int base, int count) {
    return new SandboxConfig(bwrap, setpriv, prlimit, workRoot, base, count, warmSpares);
  }

  public SandboxConfig withWarmSpares(int spares) {
    return new SandboxConfig(bwrap, setpriv, prlimit, workRoot, uidBase, uidCount, spares);
  }

  /**
   * Where this JVM keeps the compiled seccomp filter: one file per process under the work root,
   * written once at start-up and read by every run.
   */
  public Path seccompFilter() {
    return workRoot.resolve("seccomp-" + ProcessHandle.current().pid() + ".bpf");
  }

  boolean ownsUid(int uid) {
    return uid >= uidBase && uid < uidBase + uidCount;
  }
}
