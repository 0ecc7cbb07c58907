package dev.grpo.reward.sandbox;

import dev.grpo.reward.sandbox.ExecResult.Termination;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs one command under bubblewrap as an unprivileged slot uid: prlimit sets the rlimits, setpriv
 * drops to the uid with no capabilities, bwrap builds fresh user/pid/net/ipc/uts namespaces with a
 * read-only /usr, a private /proc, /dev and tmpfs /tmp, and the submission's directory at /sandbox.
 * Nothing else of the host (no /etc, /home, /root, /work) is visible and the environment is
 * cleared. On the wall-clock deadline, the bwrap process is SIGKILLed, which kills the namespace's
 * init (die-with-parent) and so every process in the namespace, including detached ones; anything
 * still running as the slot uid is then swept.
 *
 * <p>Every program runs under the service's seccomp filter ({@link
 * dev.grpo.reward.sandbox.seccomp.SeccompFilter}), compiled once when the sandbox is probed: a
 * {@code /bin/sh} that immediately execs prlimit opens the filter file on fd 3 (Java cannot hand a
 * child an extra descriptor), and bwrap's {@code --seccomp 3} reads it and installs it right before
 * it executes the program.
 */
final class SandboxRunner implements AutoCloseable {

  /** How /sandbox is mounted. */
  enum Mount {
    /** The submission directory bound read-write (compilers write their output there). */
    READ_WRITE,
    /** A size-capped tmpfs with each file of the submission directory bound read-only. */
    READ_ONLY_FILES_ON_TMPFS
  }

  /** The descriptor bwrap reads the seccomp filter from. */
  static final String SECCOMP_FD = "3";

  /** The descriptor a parked bwrap waits on for its go byte. */
  static final String BLOCK_FD = "4";

  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final long DRAIN_GRACE_MILLIS = 2000;

  private final SandboxConfig config;
  private final UidPool uids;
  private final ExecutorService io;

  SandboxRunner(SandboxConfig config) {
    this.config = config;
    this.uids = new UidPool(config);
    this.io =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "sandbox-io-" + THREADS.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  SandboxConfig config() {
    return config;
  }

  /** See {@link UidPool#onShortage}. */
  void onUidShortage(Runnable freeOne) {
    uids.onShortage(freeOne);
  }

  /**
   * Runs {@code command} in the sandbox.
   *
   * @param box host directory shown at /sandbox (working directory)
   * @param stdin host file fed to stdin, or null for empty stdin
   */
  ExecResult run(
      Path box,
      Mount mount,
      List<String> command,
      SandboxPolicy policy,
      Path stdin,
      Map<String, String> env,
      List<String> extraReadOnlyPaths) {
    long start = System.nanoTime();
    UidPool.Lease lease;
    try {
      lease = uids.acquire(policy.wallTimeout().toMillis() + 30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ExecResult.sandboxError("interrupted while waiting for a sandbox uid", since(start));
    } catch (RuntimeException e) {
      return ExecResult.sandboxError(e.getMessage(), since(start));
    }
    try (lease) {
      int uid = lease.uid();
      if (mount == Mount.READ_WRITE) {
        Files.setAttribute(box, "unix:uid", uid);
        Files.setAttribute(box, "unix:gid", uid);
      }
      try {
        return exec(box, mount, command, policy, stdin, env, extraReadOnlyPaths, uid, start);
      } finally {
        if (mount == Mount.READ_WRITE) {
          Files.setAttribute(box, "unix:uid", 0);
          Files.setAttribute(box, "unix:gid", 0);
        }
      }
    } catch (IOException e) {
      return ExecResult.sandboxError("sandbox setup failed: " + e, since(start));
    }
  }

  private ExecResult exec(
      Path box,
      Mount mount,
      List<String> command,
      SandboxPolicy policy,
      Path stdin,
      Map<String, String> env,
      List<String> extraReadOnlyPaths,
      int uid,
      long start)
      throws IOException {
    List<String> argv =
        commandLine(box, mount, command, policy, env, extraReadOnlyPaths, uid, null);
    ProcessBuilder pb = new ProcessBuilder(argv);
    pb.environment().clear();
    pb.directory(config.workRoot().toFile());
    pb.redirectInput(
        stdin == null
            ? ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))
            : redirect(stdin));
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      return ExecResult.sandboxError("cannot start bubblewrap: " + e.getMessage(), since(start));
    }
    return finish(process, policy, uid, start);
  }

  /**
   * Starts {@code command} in a sandbox on {@code dir} and stops it in bubblewrap right before it
   * executes the program ({@code --block-fd}): limits, uid, namespaces, mounts and filter are in
   * place, nothing of the submission has run. {@code /sandbox} holds {@code files}, created empty
   * now; {@link #go} runs the program after the caller wrote them (into the same inodes: the
   * sandbox binds the files, not their names) and the program's stdin into {@link Parked#stdin()}.
   *
   * @return the parked sandbox, or null when no uid is free right now
   */
  Parked park(
      Path dir,
      List<String> files,
      List<String> command,
      SandboxPolicy policy,
      Map<String, String> env,
      List<String> extraReadOnlyPaths)
      throws IOException {
    UidPool.Lease lease = uids.tryAcquire();
    if (lease == null) {
      return null;
    }
    try {
      Path box = dir.resolve("box");
      for (String f : files) {
        Files.createFile(box.resolve(f));
      }
      Path stdin = Files.createFile(dir.resolve("stdin"));
      List<String> argv =
          commandLine(
              box,
              Mount.READ_ONLY_FILES_ON_TMPFS,
              command,
              policy,
              env,
              extraReadOnlyPaths,
              lease.uid(),
              stdin);
      ProcessBuilder pb = new ProcessBuilder(argv);
      pb.environment().clear();
      pb.directory(config.workRoot().toFile());
      // stdin stays a pipe: the shell moves it to the block descriptor and reads the program's
      // stdin from the file
      return new Parked(dir, box, stdin, pb.start(), lease);
    } catch (IOException | RuntimeException e) {
      lease.close();
      throw e;
    }
  }

  /**
   * Lets a parked sandbox run its program and waits for it as {@link #run} does; the wall-clock
   * deadline counts from the go byte. Gives the uid back.
   */
  ExecResult go(Parked parked, SandboxPolicy policy) {
    try (UidPool.Lease lease = parked.lease()) {
      long start = System.nanoTime();
      try (java.io.OutputStream go = parked.process().getOutputStream()) {
        go.write('g');
      } catch (IOException diedWhileParked) {
        // bubblewrap is gone: finish collects its exit status and stderr
      }
      return finish(parked.process(), policy, lease.uid(), start);
    }
  }

  /**
   * Kills a parked sandbox that will not run and frees its uid: bubblewrap, then whatever of the
   * uid started since the sandbox did (its child, which may still have been setting up). Not a
   * sweep of the whole uid: that would hide something an earlier run left behind.
   */
  void discard(Parked parked) {
    try (UidPool.Lease lease = parked.lease()) {
      java.time.Instant parkedAt =
          parked.process().info().startInstant().orElse(java.time.Instant.EPOCH);
      parked.process().destroyForcibly();
      parked.process().waitFor();
      for (long pid : ProcessSweeper.pidsWithUid(u -> u == lease.uid())) {
        ProcessHandle.of(pid)
            .filter(h -> !h.info().startInstant().orElse(parkedAt).isBefore(parkedAt))
            .ifPresent(
                h -> {
                  h.destroyForcibly();
                  try {
                    h.onExit().get(2, TimeUnit.SECONDS);
                  } catch (Exception stillDying) {
                    // the kernel finishes it; its uid is reused only after our lease ends
                  }
                });
      }
    } catch (InterruptedException e) {
      parked.process().destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /**
   * A sandbox waiting for its go byte.
   *
   * @param dir its run directory
   * @param box the directory whose files {@code /sandbox} binds
   * @param stdin the file its program's stdin was opened on
   */
  record Parked(Path dir, Path box, Path stdin, Process process, UidPool.Lease lease) {}

  private ExecResult finish(Process process, SandboxPolicy policy, int uid, long start) {
    AtomicBoolean outputExceeded = new AtomicBoolean();
    Runnable onOverflow =
        () -> {
          if (outputExceeded.compareAndSet(false, true)) {
            killNamespace(process);
          }
        };
    Future<byte[]> out =
        io.submit(() -> drain(process.getInputStream(), policy.stdoutLimitBytes(), onOverflow));
    Future<byte[]> err =
        io.submit(() -> drain(process.getErrorStream(), policy.stderrLimitBytes(), onOverflow));
    boolean timedOut = false;
    try {
      if (!process.waitFor(policy.wallTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
        timedOut = true;
      }
      if (timedOut || outputExceeded.get()) {
        kill(process, uid);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      ProcessSweeper.killAll(uid, 2000);
      Thread.currentThread().interrupt();
      return ExecResult.sandboxError("interrupted", since(start));
    }
    Duration wall = since(start);
    byte[] stdout = collect(out, process);
    byte[] stderr = collect(err, process);
    int exit = process.exitValue();
    Termination termination;
    if (outputExceeded.get()) {
      termination = Termination.OUTPUT_LIMIT;
    } else if (timedOut || exit == ExecResult.SIGXCPU_EXIT || exit == ExecResult.SIGKILL_EXIT) {
      // As pid 1 of its namespace the program cannot be SIGKILLed from inside it; a SIGKILL we did
      // not send comes from the kernel: the RLIMIT_CPU hard limit.
      termination = Termination.TIMEOUT;
    } else {
      termination = Termination.EXITED;
    }
    if (termination == Termination.EXITED
        && (exit == 1 || exit == 2 || exit == 126 || exit == 127)
        && (startsWith(stderr, "bwrap: ")
            || startsWith(stderr, "setpriv: ")
            || startsWith(stderr, "prlimit: ")
            || startsWith(stderr, "/bin/sh: "))) {
      // Either the sandbox tools failed to set up, or the program imitates them. Tell them apart
      // by checking whether a known-good sandbox still starts.
      SandboxAvailability probe = SandboxAvailability.probe(config);
      if (!probe.available()) {
        return ExecResult.sandboxError(
            "sandbox failed: " + new String(stderr, java.nio.charset.StandardCharsets.UTF_8), wall);
      }
    }
    return new ExecResult(termination, exit, stdout, stderr, wall, "");
  }

  /**
   * Kills the namespace's init (bwrap's child, pid 1 inside) first: the kernel then kills every
   * process in the pid namespace, and bwrap reaps its child and exits on its own, leaving no orphan
   * zombie. Falls back to killing bwrap itself, then to killing everything of the slot uid.
   */
  private static void killNamespace(Process process) {
    for (long child : ProcessSweeper.children(process.pid())) {
      ProcessHandle.of(child).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  private static void kill(Process process, int uid) throws InterruptedException {
    killNamespace(process);
    if (!process.waitFor(1000, TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      process.waitFor();
    }
    ProcessSweeper.killAll(uid, 2000);
  }

  private static ProcessBuilder.Redirect redirect(Path stdin) {
    return ProcessBuilder.Redirect.from(stdin.toFile());
  }

  /**
   * The full command line of one sandboxed command.
   *
   * @param parkedStdin null for a run that starts at once; for a parked sandbox, the file its
   *     program's stdin is read from (its own stdin pipe becomes the block descriptor)
   */
  List<String> commandLine(
      Path box,
      Mount mount,
      List<String> command,
      SandboxPolicy policy,
      Map<String, String> env,
      List<String> extraReadOnlyPaths,
      int uid,
      Path parkedStdin)
      throws IOException {
    List<String> a = new ArrayList<>(64 + command.size());
    if (parkedStdin == null) {
      addFilterDescriptor(a, config);
    } else {
      addParkedDescriptors(a, config, parkedStdin);
    }
    addLimitsAndUid(a, policy, uid);
    addNamespaces(a);
    if (parkedStdin != null) {
      a.add("--block-fd");
      a.add(BLOCK_FD);
    }
    addSystemMounts(a, policy, extraReadOnlyPaths);
    addSandboxMount(a, box, mount, policy);
    // bwrap's root is a tmpfs of unbounded size: make it read-only so it cannot fill memory.
    a.add("--remount-ro");
    a.add("/");
    a.add("--chdir");
    a.add("/sandbox");
    addEnvironment(a, box, env);
    a.add("--");
    a.addAll(command);
    return a;
  }

  /**
   * {@code argv} started by a shell that opens the seccomp filter on {@link #SECCOMP_FD} and then
   * execs it (no extra process stays around).
   */
  static List<String> withSeccomp(SandboxConfig config, List<String> argv) {
    List<String> a = new ArrayList<>(argv.size() + 4);
    addFilterDescriptor(a, config);
    a.addAll(argv);
    return a;
  }

  private static void addFilterDescriptor(List<String> a, SandboxConfig config) {
    a.add("/bin/sh");
    a.add("-c");
    a.add("exec \"$@\" " + SECCOMP_FD + "<\"$0\"");
    a.add(config.seccompFilter().toString());
  }

  /**
   * Like {@link #addFilterDescriptor}, and moves the shell's stdin (the service's pipe) to {@link
   * #BLOCK_FD} and opens the program's stdin on {@code stdin}.
   */
  private static void addParkedDescriptors(List<String> a, SandboxConfig config, Path stdin) {
    a.add("/bin/sh");
    a.add("-c");
    a.add("exec " + SECCOMP_FD + "<\"$0\" " + BLOCK_FD + "<&0 0<\"$1\" && shift && exec \"$@\"");
    a.add(config.seccompFilter().toString());
    a.add(stdin.toString());
  }

  /** prlimit's resource limits, then setpriv to the slot's uid without groups or capabilities. */
  private void addLimitsAndUid(List<String> a, SandboxPolicy policy, int uid) {
    a.add(config.prlimit().toString());
    a.add("--cpu=" + policy.cpuSeconds());
    a.add("--as=" + (policy.memoryMb() << 20));
    a.add("--nproc=" + policy.maxProcesses());
    a.add("--fsize=" + policy.maxFileSizeBytes());
    a.add("--nofile=" + policy.maxOpenFiles());
    a.add("--core=0");
    a.add("--");
    a.add(config.setpriv().toString());
    a.add("--reuid=" + uid);
    a.add("--regid=" + uid);
    a.add("--clear-groups");
    a.add("--inh-caps=-all");
    a.add("--");
  }

  /** bwrap with every namespace of its own. */
  private void addNamespaces(List<String> a) {
    a.add(config.bwrap().toString());
    a.add("--seccomp");
    a.add(SECCOMP_FD);
    a.add("--unshare-all"); // user, pid, net, ipc, uts, cgroup
    a.add("--unshare-user");
    a.add("--disable-userns"); // no nested user namespaces: less kernel attack surface
    // The program is pid 1 of its namespace: when it exits the kernel kills everything else in
    // the namespace (detached children included), and bwrap waits for it directly, so no orphan
    // is left for the host's init to reap.
    a.add("--as-pid-1");
    a.add("--die-with-parent");
    a.add("--new-session");
    a.add("--hostname");
    a.add("sandbox");
  }

  /** Read-only /usr (and extra paths), private /proc and /dev, size-capped /dev/shm and /tmp. */
  private static void addSystemMounts(
      List<String> a, SandboxPolicy policy, List<String> extraReadOnlyPaths) {
    a.add("--ro-bind");
    a.add("/usr");
    a.add("/usr");
    for (String[] link :
        new String[][] {{"usr/lib", "/lib"}, {"usr/lib64", "/lib64"}, {"usr/bin", "/bin"}}) {
      a.add("--symlink");
      a.add(link[0]);
      a.add(link[1]);
    }
    for (String p : extraReadOnlyPaths) {
      a.add("--ro-bind");
      a.add(p);
      a.add(p);
    }
    a.add("--proc");
    a.add("/proc");
    a.add("--dev");
    a.add("/dev");
    a.add("--size");
    a.add(Long.toString(Math.min(policy.scratchBytes(), 16L << 20)));
    a.add("--tmpfs");
    a.add("/dev/shm");
    a.add("--size");
    a.add(Long.toString(policy.scratchBytes()));
    a.add("--tmpfs");
    a.add("/tmp");
  }

  /**
   * {@code /sandbox}: the submission directory itself when compiling, else a size-capped tmpfs with
   * the submission's files bound read-only (never through a symlink).
   */
  private static void addSandboxMount(List<String> a, Path box, Mount mount, SandboxPolicy policy)
      throws IOException {
    if (mount == Mount.READ_WRITE) {
      a.add("--bind");
      a.add(box.toString());
      a.add("/sandbox");
      return;
    }
    a.add("--size");
    a.add(Long.toString(policy.scratchBytes()));
    a.add("--tmpfs");
    a.add("/sandbox");
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(box)) {
      for (Path e : entries) {
        if (Files.isSymbolicLink(e)) {
          continue; // never let the submission point a bind at a host path
        }
        a.add("--ro-bind");
        a.add(e.toString());
        a.add("/sandbox/" + e.getFileName());
      }
    }
  }

  /** A cleared environment with a few fixed variables, the run's marker, and the caller's. */
  private static void addEnvironment(List<String> a, Path box, Map<String, String> env) {
    a.add("--clearenv");
    setenv(a, "PATH", "/usr/bin:/bin");
    setenv(a, "HOME", "/tmp");
    setenv(a, "TMPDIR", "/tmp");
    setenv(a, "LANG", "C.UTF-8");
    setenv(a, SandboxConfig.MARKER, box.getParent().getFileName().toString());
    for (Map.Entry<String, String> e : env.entrySet()) {
      setenv(a, e.getKey(), e.getValue());
    }
  }

  private static void setenv(List<String> a, String name, String value) {
    a.add("--setenv");
    a.add(name);
    a.add(value);
  }

  /** Reads up to {@code cap} bytes, then keeps reading and discarding until EOF. */
  private static byte[] drain(InputStream in, int cap, Runnable onOverflow) throws IOException {
    ByteArrayOutputStream kept = new ByteArrayOutputStream(Math.min(cap, 8192));
    byte[] buf = new byte[8192];
    try (in) {
      int n;
      while ((n = in.read(buf)) >= 0) {
        int room = cap - kept.size();
        if (n > room) {
          kept.write(buf, 0, Math.max(room, 0));
          onOverflow.run();
        } else {
          kept.write(buf, 0, n);
        }
      }
    }
    return kept.toByteArray();
  }

  private static byte[] collect(Future<byte[]> f, Process process) {
    try {
      return f.get(DRAIN_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      // Some holder of the pipe survived; close our end so the reader stops.
      try {
        process.getInputStream().close();
        process.getErrorStream().close();
      } catch (IOException ignored) {
        // nothing more to do
      }
      f.cancel(true);
      return new byte[0];
    } catch (Exception e) {
      return new byte[0];
    }
  }

  private static boolean startsWith(byte[] bytes, String prefix) {
    byte[] p = prefix.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    if (bytes.length < p.length) {
      return false;
    }
    for (int i = 0; i < p.length; i++) {
      if (bytes[i] != p[i]) {
        return false;
      }
    }
    return true;
  }

  private static Duration since(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  /** Kills every process still running as one of this runner's uids. */
  void killRuns() {
    uids.killClaimed();
  }

  @Override
  public void close() {
    io.shutdownNow();
    uids.close();
  }
}
