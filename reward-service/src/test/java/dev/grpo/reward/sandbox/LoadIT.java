package dev.grpo.reward.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.reward.runcode.RunCodeRequest;
import dev.grpo.reward.runcode.RunCodeResponse;
import dev.grpo.reward.runcode.SandboxFusionFacade;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Many runs through the bounded executor leave no process and no directory behind. */
class LoadIT {

  /** 200 in the build; {@code -Dsandbox.load.runs=1000} for the load check. */
  private static final int RUNS = Integer.getInteger("sandbox.load.runs", 200);

  @Test
  void manyRunsLeaveNothingBehind() throws Exception {
    SandboxFusionFacade facade =
        new SandboxFusionFacade(SharedSandbox.get(), new SandboxExecutor(2, RUNS));
    List<CompletableFuture<RunCodeResponse>> futures = new ArrayList<>();
    for (int i = 0; i < RUNS; i++) {
      String code =
          switch (i % 4) {
            case 0 -> "print(int(input()) + 1)";
            case 1 ->
                "import subprocess\nsubprocess.Popen(['/usr/bin/sleep', '100'])\n"
                    + "print(int(input()) + 1)";
            case 2 -> "import time\nprint(int(input()) + 1, flush=True)\ntime.sleep(100)";
            default -> "print(int(input()) + 1)\nprint('x' * 100000)";
          };
      // only the sleepers are meant to time out, after their print: on a loaded 2-core machine
      // python alone can take longer than half a second to start
      double timeout = i % 4 == 2 ? 2.0 : 10.0;
      futures.add(
          facade.submit(new RunCodeRequest(code, "python", i + "\n", null, timeout, null, null)));
    }
    int ok = 0;
    for (int i = 0; i < RUNS; i++) {
      RunCodeResponse r = futures.get(i).get(5, TimeUnit.MINUTES);
      assertThat(r.status()).isNotEqualTo(RunCodeResponse.SANDBOX_ERROR);
      assertThat(r.runResult().stdout()).startsWith((i + 1) + "\n");
      switch (i % 4) {
        case 2 -> assertThat(r.runResult().status()).isEqualTo("TimeLimitExceeded");
        case 3 -> assertThat(r.status()).isEqualTo(RunCodeResponse.FAILED); // output limit
        default -> {
          assertThat(r.status()).isEqualTo(RunCodeResponse.SUCCESS);
          ok++;
        }
      }
    }
    assertThat(ok).isEqualTo((RUNS + 3) / 4 + (RUNS + 2) / 4);
    assertThat(markedProcesses()).isEmpty();
    assertThat(submissionDirectories()).isEmpty();
  }

  @Test
  void fullQueueRejectsWithRetryAfter() throws Exception {
    SandboxExecutor executor = new SandboxExecutor(1, 2);
    SandboxFusionFacade facade = new SandboxFusionFacade(SharedSandbox.get(), executor);
    RunCodeRequest slow =
        new RunCodeRequest("import time\ntime.sleep(0.5)", "python", null, null, 2.0, null, null);
    List<CompletableFuture<RunCodeResponse>> accepted = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      accepted.add(facade.submit(slow)); // one running, two queued
    }
    assertThatThrownBy(() -> facade.submit(slow))
        .isInstanceOfSatisfying(
            SandboxBusyException.class, e -> assertThat(e.retryAfter().toSeconds()).isPositive());
    for (CompletableFuture<RunCodeResponse> f : accepted) {
      assertThat(f.get(30, TimeUnit.SECONDS).status()).isEqualTo(RunCodeResponse.SUCCESS);
    }
    assertThat(facade.submit(slow).get(30, TimeUnit.SECONDS).status())
        .isEqualTo(RunCodeResponse.SUCCESS);
    executor.close();
  }

  /**
   * Processes of the sandbox uid range, or carrying the sandbox marker and this sandbox's work root
   * on their command line (other sandboxes of this JVM, e.g. of cached Spring test contexts, keep
   * sandboxes parked under their own work root).
   */
  static List<String> markedProcesses() {
    List<String> found = new ArrayList<>(HostileProgramsIT.leftoverSandboxProcesses());
    for (long pid : ProcessSweeper.pidsWithUid(u -> true)) {
      String cmd = ProcessSweeper.cmdline(pid);
      if (cmd.contains(SandboxConfig.MARKER)
          && cmd.contains(SharedSandbox.WORK_ROOT + "/")
          && pid != ProcessHandle.current().pid()) {
        found.add(pid + " " + cmd);
      }
    }
    return found;
  }

  static List<Path> submissionDirectories() throws IOException {
    SharedSandbox.get().coolDown();
    try (Stream<Path> s = Files.list(SharedSandbox.WORK_ROOT)) {
      return s.filter(p -> p.getFileName().toString().startsWith("run-")).toList();
    }
  }
}
