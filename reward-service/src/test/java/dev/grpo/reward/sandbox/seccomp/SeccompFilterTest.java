package dev.grpo.reward.sandbox.seccomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs a Python probe under bubblewrap with and without the filter. Each probe line is "name result
 * errno" from a raw syscall; the unfiltered run shows that the call works (or fails differently)
 * without the filter, so the filtered answer is the filter's doing.
 */
class SeccompFilterTest {

  private static final Path BWRAP = Path.of("/usr/bin/bwrap");
  private static final Path PYTHON = Path.of("/usr/bin/python3");

  // x86-64 numbers; the probe calls them with harmless arguments
  private static final String PROBE =
      """
      import ctypes, os
      libc = ctypes.CDLL(None, use_errno=True)
      calls = {
          "unshare": (272, 0, 0, 0),          # unshare(0): a no-op that succeeds
          "io_uring_setup": (425, 1, 0, 0),   # entries=1, params=NULL -> EFAULT without filter
          "keyctl": (250, 0, -3, 0),          # KEYCTL_GET_KEYRING_ID(session keyring, no create)
          "ptrace": (101, 0, 0, 0),           # PTRACE_TRACEME: succeeds once
          "setns": (308, -1, 0, 0),           # bad fd -> EBADF without filter
          "process_vm_readv": (310, os.getpid(), 0, 0),  # zero iovecs -> 0 without filter
          "getpid": (39, 0, 0, 0),
      }
      for name, (nr, a, b, c) in calls.items():
          ctypes.set_errno(0)
          rc = libc.syscall(nr, ctypes.c_long(a), ctypes.c_long(b), ctypes.c_long(c), 0, 0)
          print(name, 0 if rc >= 0 else -1, ctypes.get_errno() if rc < 0 else 0)
      try:
          os.fstat(3)
          print("fd3 open")
      except OSError:
          print("fd3 closed")
      """;

  @TempDir static Path dir;
  static Path filter;

  @BeforeAll
  static void compile() {
    assumeTrue(
        Files.isExecutable(BWRAP) && Files.isExecutable(PYTHON),
        "skipped: needs /usr/bin/bwrap (apt-get install bubblewrap) and /usr/bin/python3");
    filter = SeccompFilter.compile(dir.resolve("filter.bpf"));
  }

  @Test
  void theFilterIsAReadOnlyBpfProgramOfWholeInstructions() throws IOException {
    long size = Files.size(filter);
    assertThat(size).isPositive();
    assertThat(size % 8).as("sock_filter instructions are 8 bytes").isZero();
    // one comparison per denied call at least, plus the architecture check
    assertThat(size / 8).isGreaterThan(SeccompFilter.DENIED.size());
    // root may write any file, so the mode bits are what says read-only
    assertThat(
            java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(filter)))
        .isEqualTo("r--r--r--");
  }

  @Test
  void deniedCallsAnswerTheirErrnoWhileTheSameCallsWorkWithoutTheFilter() throws Exception {
    Map<String, String> without = probe(false);
    Map<String, String> with = probe(true);

    // ptrace is left out here: hosts with Yama or a container profile may refuse it already
    assertThat(without).containsEntry("unshare", "0 0").containsEntry("keyctl", "0 0");
    assertThat(without.get("process_vm_readv")).isNotEqualTo("-1 1");
    assertThat(without.get("io_uring_setup")).isNotEqualTo("-1 38");
    assertThat(without.get("setns")).isEqualTo("-1 9"); // EBADF

    assertThat(with)
        .containsEntry("unshare", "-1 1")
        .containsEntry("io_uring_setup", "-1 38")
        .containsEntry("keyctl", "-1 1")
        .containsEntry("ptrace", "-1 1")
        .containsEntry("setns", "-1 1")
        .containsEntry("process_vm_readv", "-1 1")
        .containsEntry("getpid", "0 0");
    assertThat(with).containsEntry("fd3", "closed");
  }

  private static Map<String, String> probe(boolean filtered) throws Exception {
    Path script = dir.resolve("probe.py");
    Files.writeString(script, PROBE);
    List<String> bwrap = new ArrayList<>(List.of(BWRAP.toString()));
    if (filtered) {
      bwrap.addAll(List.of("--seccomp", "3"));
    }
    bwrap.addAll(
        List.of(
            "--unshare-all",
            "--die-with-parent",
            "--new-session",
            "--ro-bind",
            "/usr",
            "/usr",
            "--symlink",
            "usr/lib",
            "/lib",
            "--symlink",
            "usr/lib64",
            "/lib64",
            "--symlink",
            "usr/bin",
            "/bin",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--ro-bind",
            script.toString(),
            "/probe.py",
            PYTHON.toString(),
            "-I",
            "/probe.py"));
    // the shell opens the filter on fd 3 and execs bwrap, which reads it, closes it and installs
    // it just before running the program
    List<String> argv =
        new ArrayList<>(List.of("/bin/sh", "-c", "exec \"$@\" 3<\"$0\"", filter.toString()));
    argv.addAll(bwrap);
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    Map<String, String> results = new LinkedHashMap<>();
    for (String line : out.strip().split("\n")) {
      int space = line.indexOf(' ');
      results.put(line.substring(0, space), line.substring(space + 1));
    }
    return results;
  }
}
