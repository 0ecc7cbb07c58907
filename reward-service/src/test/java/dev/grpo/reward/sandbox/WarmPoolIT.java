package dev.grpo.reward.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Sandboxes started ahead of their runs ({@link WarmPool}): a run in one sees exactly what a run in
 * a fresh sandbox sees, its deadline counts from its start, a dead or idle parked sandbox never
 * costs a run anything, and nothing is left once the sandbox closes.
 */
class WarmPoolIT {

  private static final Path WORK_ROOT = Path.of("/dev/shm/grpo-sandbox-warm-it");
  private static final int UID_BASE = 63060;
  private static final int UID_COUNT = 2;

  /** Everything a program can learn about its sandbox, one fact per line. */
  private static final String FINGERPRINT =
      """
      import os, sys, resource, socket
      print('stdin', repr(sys.stdin.read()))
      print('argv', sys.argv, __name__, __file__)
      print('cwd', os.getcwd(), sorted(os.listdir('.')))
      print('data', open('data.txt').read())
      print('uid in range', %d <= os.getuid() < %d, os.getuid() == os.getgid())
      print('pid', os.getpid(), os.getppid())
      print('fds', sorted(os.listdir('/proc/self/fd')))
      status = dict(l.split(':\\t', 1) for l in open('/proc/self/status').read().splitlines())
      for k in ('Seccomp', 'NoNewPrivs', 'CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb'):
          print(k, status[k].strip())
      for r in ('CPU', 'AS', 'NPROC', 'FSIZE', 'NOFILE', 'CORE'):
          print(r, resource.getrlimit(getattr(resource, 'RLIMIT_' + r)))
      print('env', sorted((k, v) for k, v in os.environ.items() if k != 'GRPO_SANDBOX_RUN'))
      print('hostname', socket.gethostname())
      print('root', sorted(os.listdir('/')))
      print('sandbox mounts', sorted(l.split()[4] for l in open('/proc/self/mountinfo')
                                    if l.split()[4].startswith(('/sandbox', '/tmp', '/dev/shm'))))
      try:
          open('main.py', 'a')
          print('main.py writable')
      except OSError as e:
          print('main.py', e.errno)
      open('scratch', 'w').write('x')
      print('scratch ok', sorted(os.listdir('.')))
      """
          .formatted(UID_BASE, UID_BASE + UID_COUNT);

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private CodeSandbox sandbox;

  @BeforeEach
  void start() {
    sandbox =
        CodeSandbox.start(
            SandboxConfig.defaults()
                .withWorkRoot(WORK_ROOT)
                .withUids(UID_BASE, UID_COUNT)
                .withWarmSpares(1),
            meters);
  }

  @AfterEach
  void close() {
    sandbox.close();
  }

  @Test
  void aRunInAParkedSandboxSeesWhatAFreshSandboxShows() {
    SandboxPolicy policy = SandboxPolicy.runDefaults();
    byte[] stdin = "line one\nline two\n".getBytes(StandardCharsets.UTF_8);
    fingerprint(stdin, policy);
    assertThat(sandbox.parkedPids()).isEmpty(); // a shape run once is not warmed
    ExecResult cold = fingerprint(stdin, policy);
    assertThat(started("cold")).isEqualTo(2);
    assertThat(sandbox.parkedPids()).isNotEmpty(); // the shape is warm now

    ExecResult warm = fingerprint(stdin, policy);

    assertThat(started("warm")).isEqualTo(1);
    assertThat(cold.success()).as(cold.stderrText()).isTrue();
    assertThat(warm.success()).as(warm.stderrText()).isTrue();
    assertThat(warm.stdoutText()).isEqualTo(cold.stdoutText());
    assertThat(warm.stdoutText())
        .contains("stdin 'line one\\nline two\\n'")
        .contains("argv ['main.py'] __main__ /sandbox/main.py")
        .contains("cwd /sandbox ['data.txt', 'main.py']")
        .contains("data payload")
        .contains("uid in range True True")
        .contains("pid 1 0")
        .contains("fds ['0', '1', '2', '3']") // the block and filter descriptors are gone
        .contains("Seccomp 2", "NoNewPrivs 1", "CapEff 0000000000000000")
        .contains("CPU (10, 10)", "NOFILE (64, 64)", "CORE (0, 0)")
        .contains("hostname sandbox")
        .contains("main.py 13") // EACCES: the submission's files are not the program's
        .contains("scratch ok ['data.txt', 'main.py', 'scratch']");
  }

  @Test
  void eachParkedSandboxRunsOneProgramAndNothingCarriesOver() {
    SandboxPolicy policy = SandboxPolicy.runDefaults();
    String code =
        "import os\n"
            + "print(sorted(os.listdir('.')), sorted(os.listdir('/tmp')))\n"
            + "open('/tmp/left', 'w').write('x'); open('left', 'w').write('x')\n";
    for (int i = 0; i < 4; i++) {
      try (Submission s = sandbox.prepare(code, Language.PYTHON, Map.of(), compile())) {
        ExecResult r = s.run(null, policy);
        assertThat(r.stdoutText()).isEqualTo("['main.py'] []\n");
      }
      sandbox.parkedPids(); // the refill after each run has run
    }
    assertThat(started("warm")).isEqualTo(2); // the first two runs warm the shape
  }

  @Test
  void shapesRunOnceAreNeverWarmed() {
    SandboxPolicy policy = SandboxPolicy.runDefaults();
    // five problems with their own limits, each run once: nothing is parked for any of them
    for (int mb = 300; mb < 310; mb += 2) {
      run("print(1)", policy.withMemoryMb(mb));
    }
    assertThat(sandbox.parkedPids()).isEmpty();
    assertThat(started("warm")).isZero();
  }

  @Test
  void theDeadlineCountsFromTheRunNotFromParking() throws Exception {
    SandboxPolicy twoSeconds = SandboxPolicy.runDefaults().withWallTimeout(Duration.ofSeconds(2));
    run("print('warming')", twoSeconds);
    assertThat(run("print('warming')", twoSeconds).stdoutText()).isEqualTo("warming\n");
    assertThat(sandbox.parkedPids()).isNotEmpty();
    Thread.sleep(2500); // parked longer than the deadline

    ExecResult inTime = run("import time\ntime.sleep(0.2)\nprint('done')", twoSeconds);
    sandbox.parkedPids(); // refilled
    ExecResult late = run("while True: pass", twoSeconds);

    assertThat(started("warm")).isEqualTo(2);
    assertThat(inTime.termination()).isEqualTo(ExecResult.Termination.EXITED);
    assertThat(inTime.stdoutText()).isEqualTo("done\n");
    assertThat(late.termination()).isEqualTo(ExecResult.Termination.TIMEOUT);
    assertThat(late.wallTime()).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void aParkedSandboxThatDiedIsNotUsed() throws Exception {
    SandboxPolicy policy = SandboxPolicy.runDefaults();
    run("print(1)", policy);
    run("print(1)", policy);
    Set<Long> parked = sandbox.parkedPids();
    assertThat(parked).isNotEmpty();
    for (long pid : parked) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    for (long pid : parked) {
      ProcessHandle.of(pid).ifPresent(h -> h.onExit().join());
    }

    ExecResult r = run("print(2)", policy);

    assertThat(r.stdoutText()).isEqualTo("2\n");
    assertThat(started("cold")).isEqualTo(3);
    assertThat(started("warm")).isZero();
  }

  @Test
  void parkedSandboxesGiveTheirUidsToARunThatNeedsOne() throws Exception {
    SandboxPolicy policy = SandboxPolicy.runDefaults();
    run("print(1)", policy);
    run("print(1)", policy); // shape A parks one sandbox on one of the two uids
    assertThat(sandbox.parkedPids()).isNotEmpty();
    // two runs of other shapes at once need both uids
    CompletableFuture<ExecResult> b =
        CompletableFuture.supplyAsync(() -> run("import time\ntime.sleep(1)\nprint('b')", policy));
    CompletableFuture<ExecResult> c =
        CompletableFuture.supplyAsync(
            () -> run("import time\ntime.sleep(1)\nprint('c')", policy.withMemoryMb(400)));

    // without giving the parked uid back, one of them would wait ~40 s for a uid
    assertThat(b.get(20, TimeUnit.SECONDS).stdoutText()).isEqualTo("b\n");
    assertThat(c.get(20, TimeUnit.SECONDS).stdoutText()).isEqualTo("c\n");
  }

  @Test
  void closingKillsParkedSandboxesAndDeletesTheirDirectories() throws Exception {
    run("print(1)", SandboxPolicy.runDefaults());
    run("print(1)", SandboxPolicy.runDefaults());
    Set<Long> parked = sandbox.parkedPids();
    assertThat(parked).isNotEmpty();
    assertThat(runDirectories()).hasSize(1);

    sandbox.close();

    for (long pid : parked) {
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
    }
    assertThat(ProcessSweeper.pidsWithUid(u -> u >= UID_BASE && u < UID_BASE + UID_COUNT))
        .isEmpty();
    assertThat(runDirectories()).isEmpty();
  }

  @Test
  void submissionsWithDirectoriesStartCold() {
    SandboxPolicy policy = SandboxPolicy.runDefaults();
    for (int i = 0; i < 2; i++) {
      try (Submission s =
          sandbox.prepare(
              "print(open('lib/x.txt').read())",
              Language.PYTHON,
              Map.of("lib/x.txt", "nested".getBytes(StandardCharsets.UTF_8)),
              compile())) {
        assertThat(s.run(null, policy).stdoutText()).isEqualTo("nested\n");
      }
    }
    assertThat(started("warm")).isZero();
  }

  private ExecResult fingerprint(byte[] stdin, SandboxPolicy policy) {
    try (Submission s =
        sandbox.prepare(
            FINGERPRINT,
            Language.PYTHON,
            Map.of("data.txt", "payload".getBytes(StandardCharsets.UTF_8)),
            compile())) {
      return s.run(stdin, policy);
    }
  }

  private ExecResult run(String code, SandboxPolicy policy) {
    try (Submission s = sandbox.prepare(code, Language.PYTHON, Map.of(), compile())) {
      return s.run(null, policy);
    }
  }

  private static SandboxPolicy compile() {
    return SandboxPolicy.compileDefaults();
  }

  private long started(String start) {
    var c = meters.find("sandbox.starts").tag("start", start).counter();
    return c == null ? 0 : (long) c.count();
  }

  private static List<Path> runDirectories() throws Exception {
    try (Stream<Path> s = Files.list(WORK_ROOT)) {
      return s.filter(p -> p.getFileName().toString().startsWith("run-")).toList();
    }
  }
}
