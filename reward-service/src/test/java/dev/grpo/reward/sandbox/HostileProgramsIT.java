package dev.grpo.reward.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.reward.judge.JudgeOptions;
import dev.grpo.reward.judge.JudgeReport;
import dev.grpo.reward.judge.JudgeReport.CaseResult;
import dev.grpo.reward.judge.TestCase;
import dev.grpo.reward.judge.TestCaseJudge;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each hostile program is contained, the host is untouched, and the next ordinary run works. */
class HostileProgramsIT {

  private static final String CANARY_TEXT = "canary-untouched";
  private static Path canaryFile;
  private static Process canaryProcess;

  private final CodeSandbox sandbox = SharedSandbox.get();
  private final TestCaseJudge judge = new TestCaseJudge(sandbox);
  private final JudgeOptions options =
      JudgeOptions.defaults()
          .withRunPolicy(SandboxPolicy.runDefaults().withWallTimeout(Duration.ofSeconds(2)));

  /** For programs that must finish on their own even on a loaded machine. */
  private final JudgeOptions roomy =
      options.withRunPolicy(options.runPolicy().withWallTimeout(Duration.ofSeconds(8)));

  @BeforeAll
  static void plantCanaries() throws IOException {
    // A host path (under the worktree) whose directory does not exist inside the sandbox.
    canaryFile = Files.createTempFile(Path.of("target").toAbsolutePath(), "grpo-canary-", ".txt");
    Files.writeString(canaryFile, CANARY_TEXT);
    canaryProcess = new ProcessBuilder("/usr/bin/sleep", "600").start();
  }

  @AfterAll
  static void removeCanaries() throws IOException {
    canaryProcess.destroyForcibly();
    Files.deleteIfExists(canaryFile);
  }

  @AfterEach
  void hostUntouchedAndNextRunWorks() throws IOException {
    assertThat(Files.readString(canaryFile)).isEqualTo(CANARY_TEXT);
    assertThat(canaryProcess.isAlive()).isTrue();
    assertThat(leftoverSandboxProcesses()).isEmpty();
    CaseResult ok = one(Language.PYTHON, "print(input()[::-1])", "abc", "cba");
    assertThat(ok.outcome()).isEqualTo(Outcome.PASSED);
  }

  /** What is left of runs: processes of the uid range once the parked sandboxes are gone. */
  static List<String> leftoverSandboxProcesses() {
    SharedSandbox.get().coolDown();
    return ProcessSweeper.pidsWithUid(
            u ->
                u >= SharedSandbox.UID_BASE && u < SharedSandbox.UID_BASE + SharedSandbox.UID_COUNT)
        .stream()
        .map(pid -> pid + " " + ProcessSweeper.cmdline(pid))
        .toList();
  }

  /** Runs with the roomy deadline; tests about the deadline pass {@link #options}. */
  private CaseResult one(Language lang, String code, String stdin, String expected) {
    return one(lang, code, stdin, expected, roomy);
  }

  private CaseResult one(
      Language lang, String code, String stdin, String expected, JudgeOptions opts) {
    JudgeReport report =
        judge.judge(code, lang, List.of(new TestCase.Stdio(stdin, expected)), opts);
    assertThat(report.cases()).hasSize(1);
    CaseResult r = report.cases().get(0);
    String shown = code.replace("\n", "; ");
    try {
      Files.writeString(
          Path.of("target/hostile-outcomes.txt"),
          String.format(
              "%-10s %-70s -> %s %d ms%n",
              lang,
              shown.substring(0, Math.min(70, shown.length())),
              r.outcome(),
              r.time().toMillis()),
          java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return r;
  }

  @Test
  void pythonForkBombHitsTheProcessLimit() {
    CaseResult r =
        one(Language.PYTHON, "import os\nwhile True:\n    os.fork()\n", "", "never", options);
    assertThat(r.outcome()).isIn(Outcome.RUNTIME_ERROR, Outcome.TIMEOUT);
  }

  @Test
  void cForkBombThatIgnoresErrorsTimesOutAndIsReaped() {
    CaseResult r =
        one(Language.C, "#include <unistd.h>\nint main(){for(;;) fork();}", "", "never", options);
    assertThat(r.outcome()).isEqualTo(Outcome.TIMEOUT);
    assertThat(r.time()).isLessThan(Duration.ofSeconds(8));
  }

  @Test
  void shellForkBomb() {
    CaseResult r =
        one(
            Language.PYTHON,
            "import os\nos.execv('/bin/sh', ['sh', '-c', 'f(){ f | f & }; f; sleep 100'])",
            "",
            "never",
            options);
    // sh reports each failed fork on stderr, which may hit the output cap first.
    assertThat(r.outcome()).isIn(Outcome.TIMEOUT, Outcome.RUNTIME_ERROR, Outcome.OUTPUT_LIMIT);
  }

  @Test
  void processLimitHolds() {
    // nproc is 64 + 16 for Python; the uid is exclusive to this run, so the count is this run's.
    CaseResult r =
        one(
            Language.PYTHON,
            "import os, time\nn = 0\ntry:\n    while True:\n        if os.fork() == 0:\n"
                + "            time.sleep(5)\n            os._exit(0)\n        n += 1\n"
                + "except OSError as e:\n    print('capped', 40 < n < 80, e.errno)\n",
            "",
            "capped True 11");
    assertThat(r.outcome()).as(r.detail()).isEqualTo(Outcome.PASSED);
  }

  @Test
  void memoryBombsHitTheMemoryLimit() {
    assertThat(one(Language.PYTHON, "x = bytearray(1 << 34)", "", "").outcome())
        .isEqualTo(Outcome.MEMORY_LIMIT);
    assertThat(
            one(Language.PYTHON, "l = []\nwhile True:\n    l.append(' ' * 10**7)", "", "")
                .outcome())
        .isEqualTo(Outcome.MEMORY_LIMIT);
    assertThat(
            one(
                    Language.CPP,
                    "#include <vector>\nint main(){std::vector<std::vector<char>> v;"
                        + "for(;;) v.emplace_back(1<<24, 'x');}",
                    "",
                    "")
                .outcome())
        .isEqualTo(Outcome.MEMORY_LIMIT);
  }

  @Test
  void jvmAndV8HeapBombsHitTheMemoryLimit() {
    assertThat(
            one(
                    Language.JAVA,
                    "import java.util.*;\npublic class Main { public static void main(String[] a) {"
                        + " List<long[]> l = new ArrayList<>(); while (true) l.add(new long[1 << 20"
                        + "]); } }",
                    "",
                    "",
                    roomy)
                .outcome())
        .isEqualTo(Outcome.MEMORY_LIMIT);
    assertThat(
            one(
                    Language.JAVASCRIPT,
                    "const a = []; while (true) a.push(new Array(1e6).fill(1.5));",
                    "",
                    "",
                    roomy)
                .outcome())
        .isEqualTo(Outcome.MEMORY_LIMIT);
  }

  @Test
  void infiniteLoopIsKilledAtTheDeadline() {
    CaseResult r = one(Language.PYTHON, "while True:\n    pass", "", "", options);
    assertThat(r.outcome()).isEqualTo(Outcome.TIMEOUT);
    assertThat(r.time()).isBetween(Duration.ofMillis(1900), Duration.ofMillis(6000));
  }

  @Test
  void sleepingProgramIsKilledAtTheWallDeadline() {
    CaseResult r = one(Language.PYTHON, "import time\ntime.sleep(60)", "", "", options);
    assertThat(r.outcome()).isEqualTo(Outcome.TIMEOUT);
    assertThat(r.time()).isLessThan(Duration.ofSeconds(6));
  }

  @Test
  void detachedChildDiesWithTheRun() {
    // The child escapes into its own session, ignores SIGHUP/SIGTERM and keeps stdout open.
    String code =
        "import os, signal, subprocess\n"
            + "subprocess.Popen(['/bin/sh', '-c', 'trap \"\" HUP TERM; sleep 1000'],"
            + " start_new_session=True)\n"
            + "if os.fork() == 0:\n"
            + "    os.setsid()\n"
            + "    if os.fork() == 0:\n"
            + "        import time\n"
            + "        time.sleep(1000)\n"
            + "    os._exit(0)\n"
            + "print('done')\n";
    CaseResult r = one(Language.PYTHON, code, "", "done", roomy);
    assertThat(r.outcome()).isEqualTo(Outcome.PASSED); // did not wait for the sleepers
    assertThat(r.time()).isLessThan(Duration.ofSeconds(6));
    assertThat(leftoverSandboxProcesses()).isEmpty();
  }

  @Test
  void detachedChildOfATimedOutRunDiesToo() {
    String code =
        "import subprocess, time\n"
            + "subprocess.Popen(['/usr/bin/sleep', '1000'], start_new_session=True)\n"
            + "time.sleep(1000)\n";
    CaseResult r = one(Language.PYTHON, code, "", "", options);
    assertThat(r.outcome()).isEqualTo(Outcome.TIMEOUT);
    assertThat(leftoverSandboxProcesses()).isEmpty();
  }

  @Test
  void endlessOutputIsCutOff() {
    CaseResult out = one(Language.PYTHON, "while True:\n    print('x' * 1000)", "", "");
    assertThat(out.outcome()).isEqualTo(Outcome.OUTPUT_LIMIT);
    assertThat(out.time()).isLessThan(Duration.ofSeconds(2)); // cut off, not timed out
    CaseResult err =
        one(Language.C, "#include <stdio.h>\nint main(){for(;;) fputs(\"yyyy\", stderr);}", "", "");
    assertThat(err.outcome()).isEqualTo(Outcome.OUTPUT_LIMIT);
  }

  @Test
  void networkIsUnreachable() throws IOException {
    try (ServerSocket host = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      host.setSoTimeout(200);
      String code =
          "import socket\n"
              + "for addr in [('127.0.0.1', "
              + host.getLocalPort()
              + "), ('1.1.1.1', 53), ('8.8.8.8', 443)]:\n"
              + "    try:\n"
              + "        socket.create_connection(addr, timeout=1)\n"
              + "        print('connected', addr)\n"
              + "    except OSError as e:\n"
              + "        print('blocked')\n";
      CaseResult r = one(Language.PYTHON, code, "", "blocked\nblocked\nblocked");
      assertThat(r.outcome()).as(r.detail()).isEqualTo(Outcome.PASSED);
      try {
        host.accept().close();
        throw new AssertionError("the sandbox reached a host socket");
      } catch (SocketTimeoutException expected) {
        // nothing connected
      }
    }
  }

  @Test
  void hostFilesAndEnvironmentAreInvisible() throws IOException {
    Path pom = Path.of("pom.xml").toAbsolutePath();
    assertThat(pom).exists();
    // The service's own code (target/classes here, the jar in production).
    Path ownClasses =
        Path.of(
            URI.create(
                SandboxRunner.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toString()));
    assertThat(ownClasses).exists();
    String code =
        "import os\n"
            + "for p in ['/etc/shadow', '/etc/passwd', '"
            + pom
            + "', '"
            + canaryFile
            + "', '"
            + ownClasses
            + "', '/root/.bashrc', '/work', '/home', '/root', '/proc/"
            + ProcessHandle.current().pid()
            + "/environ']:\n"
            + "    try:\n"
            + "        open(p).read() if not os.path.isdir(p) else os.listdir(p)\n"
            + "        print('READ', p)\n"
            + "    except OSError:\n"
            + "        print('denied')\n"
            + "env = open('/proc/1/environ').read()\n"
            + "print('leak' if ('MAVEN' in env or 'JAVA_HOME' in env or '/root' in env) else 'clean')\n"
            + "print(sorted(k for k in os.environ if k not in ('GRPO_SANDBOX_RUN', 'PATH', 'HOME',"
            + " 'TMPDIR', 'LANG', 'PYTHONDONTWRITEBYTECODE', 'LC_CTYPE', 'PWD')))\n";
    CaseResult r = one(Language.PYTHON, code, "", "denied\n".repeat(10) + "clean\n[]\n");
    assertThat(r.outcome()).as(r.detail()).isEqualTo(Outcome.PASSED);
  }

  @Test
  void writesOutsideTheWorkDirectoryFail() throws IOException {
    String code =
        "import os\n"
            + "for p in ['/usr/pwned', '/etc/pwned', '/pwned', '/proc/pwned', '"
            + canaryFile
            + "', '/lib/pwned']:\n"
            + "    try:\n"
            + "        open(p, 'w').write('x')\n"
            + "        print('WROTE', p)\n"
            + "    except OSError:\n"
            + "        print('denied')\n"
            + "open('/tmp/ok', 'w').write('x')\n"
            + "open('/dev/shm/ok', 'w').write('x')\n"
            + "open('ok', 'w').write('x')\n"
            + "print('scratch ok')\n";
    CaseResult r = one(Language.PYTHON, code, "", "denied\n".repeat(6) + "scratch ok");
    assertThat(r.outcome()).as(r.detail()).isEqualTo(Outcome.PASSED);
    assertThat(Path.of("/usr/pwned")).doesNotExist();
    assertThat(Path.of("/pwned")).doesNotExist();
    assertThat(Path.of("/dev/shm/pwned")).doesNotExist();
  }

  @Test
  void fillingTheDiskIsCapped() {
    // One big file: RLIMIT_FSIZE (16 MiB) makes the write fail with EFBIG.
    CaseResult big =
        one(
            Language.PYTHON,
            "with open('big', 'wb') as f:\n    while True:\n        f.write(b'x' * (1 << 20))",
            "",
            "");
    assertThat(big.outcome()).isEqualTo(Outcome.OUTPUT_LIMIT);
    // Many files below the file-size limit: the 64 MiB tmpfs fills up.
    CaseResult many =
        one(
            Language.PYTHON,
            "i = 0\nwhile True:\n    open('/tmp/f%d' % i, 'wb').write(b'x' * (8 << 20))\n"
                + "    i += 1",
            "",
            "");
    assertThat(many.outcome()).isEqualTo(Outcome.RUNTIME_ERROR);
    assertThat(many.detail()).contains("No space left on device");
  }

  @Test
  void killingTheParentDoesNotEscape() {
    CaseResult py =
        one(
            Language.PYTHON,
            "import os, signal\n"
                + "try:\n    os.kill(os.getppid(), signal.SIGKILL)\nexcept OSError:\n    pass\n"
                + "print('alive', os.getpid())",
            "",
            "alive 1");
    assertThat(py.outcome()).as(py.detail()).isEqualTo(Outcome.PASSED);
    CaseResult sh =
        one(
            Language.PYTHON,
            "import os\nos.execv('/bin/sh', ['sh', '-c', 'kill -9 $PPID; kill -9 1; echo alive'])",
            "",
            "alive");
    assertThat(sh.outcome()).as(sh.detail()).isEqualTo(Outcome.PASSED);
  }

  @Test
  void killAllSignalsOnlyReachTheSandbox() throws Exception {
    // A victim in another sandbox runs concurrently with the killer.
    SandboxExecutor pool = new SandboxExecutor(2, 4);
    try {
      CompletableFuture<CaseResult> victim =
          pool.submit(
              () -> one(Language.PYTHON, "import time\ntime.sleep(1.5)\nprint('ok')", "", "ok"));
      Thread.sleep(300);
      CaseResult killer =
          one(
              Language.PYTHON,
              "import os, signal\n"
                  + "try:\n    os.kill(-1, signal.SIGKILL)\nexcept OSError:\n    pass\n"
                  + "print('survived')",
              "",
              "survived");
      assertThat(killer.outcome()).as(killer.detail()).isEqualTo(Outcome.PASSED);
      assertThat(victim.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(Outcome.PASSED);
    } finally {
      pool.close();
    }
  }

  @Test
  void noNestedNamespacesOrPrivileges() {
    String code =
        "import os, subprocess\n"
            + "r = subprocess.run(['/usr/bin/unshare', '-r', '/usr/bin/id'],"
            + " capture_output=True)\n"
            + "print('unshare', r.returncode != 0)\n"
            + "print('uid', os.getuid() >= 1000, os.geteuid() >= 1000)\n"
            + "st = open('/proc/self/status').read()\n"
            + "print([l.split()[1] for l in st.splitlines() if l.startswith('CapEff')][0])\n";
    CaseResult r = one(Language.PYTHON, code, "", "unshare True\nuid True True\n0000000000000000");
    assertThat(r.outcome()).as(r.detail()).isEqualTo(Outcome.PASSED);
  }

  @Test
  void compilerBombIsACompileError() {
    JudgeOptions fastCompile =
        new JudgeOptions(
            JudgeOptions.Scoring.FRACTION,
            0,
            SandboxPolicy.compileDefaults().withWallTimeout(Duration.ofSeconds(3)),
            options.runPolicy());
    CaseResult r = one(Language.C, "#include \"/dev/zero\"\nint main(){}", "", "", fastCompile);
    assertThat(r.outcome()).isEqualTo(Outcome.COMPILE_ERROR);
  }
}
