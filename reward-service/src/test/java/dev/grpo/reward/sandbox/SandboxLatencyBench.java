package dev.grpo.reward.sandbox;

import dev.grpo.reward.runcode.RunCodeRequest;
import dev.grpo.reward.runcode.RunCodeResponse;
import dev.grpo.reward.runcode.SandboxFusionFacade;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code print(1)} three ways in one run, p50/p90 of sequential runs: raw {@code python3 -c}, bare
 * {@code bwrap} + python3 (namespaces and mounts, no limits, no uid drop, no filter), and the
 * service's run_code path (facade + executor + sandbox, what {@code POST /api/v1/sandbox/run} calls
 * minus the HTTP exchange). Prints a table; asserts nothing about time.
 *
 * <p>Run: {@code java -cp target/classes:target/test-classes:<deps>
 * dev.grpo.reward.sandbox.SandboxLatencyBench [iterations]}, as root with bubblewrap.
 */
public final class SandboxLatencyBench {

  private interface Job {
    void run() throws Exception;
  }

  private SandboxLatencyBench() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    CodeSandbox sandbox =
        CodeSandbox.start(
            SandboxConfig.defaults()
                .withWorkRoot(Path.of("/dev/shm/grpo-sandbox-latency"))
                .withUids(63600, 4));
    SandboxFusionFacade facade = new SandboxFusionFacade(sandbox, new SandboxExecutor(1, 4));
    Job raw = () -> exec(List.of("/usr/bin/python3", "-c", "print(1)"));
    Job bare =
        () ->
            exec(
                List.of(
                    "/usr/bin/bwrap",
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
                    "--symlink",
                    "usr/bin",
                    "/bin",
                    "--proc",
                    "/proc",
                    "--dev",
                    "/dev",
                    "--tmpfs",
                    "/tmp",
                    "--",
                    "/usr/bin/python3",
                    "-c",
                    "print(1)"));
    Job service =
        () -> {
          RunCodeResponse r =
              facade
                  .submit(RunCodeRequest.of("print(1)", "python", null))
                  .get(30, TimeUnit.SECONDS);
          if (!"1\n".equals(r.runResult().stdout())) {
            throw new IllegalStateException("unexpected answer " + r);
          }
        };
    System.out.printf("%-40s %8s %8s%n", "print(1)", "p50 ms", "p90 ms");
    double rawP50 = row("raw python3 -c", raw, n);
    double bareP50 = row("bare bwrap + python3", bare, n);
    double serviceP50 = row("service run_code (facade+executor+sandbox)", service, n);
    System.out.printf(
        "overhead at p50: bare bwrap %+.1f ms, service %+.1f ms over raw (%+.1f ms over bare)%n",
        bareP50 - rawP50, serviceP50 - rawP50, serviceP50 - bareP50);
    sandbox.close();
    System.exit(0);
  }

  private static void exec(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (p.waitFor() != 0 || out.length != 2) {
      throw new IllegalStateException(command + " failed: " + new String(out));
    }
  }

  private static double row(String name, Job job, int n) throws Exception {
    for (int i = 0; i < Math.max(5, n / 10); i++) {
      job.run();
    }
    double[] ms = new double[n];
    for (int i = 0; i < n; i++) {
      long t = System.nanoTime();
      job.run();
      ms[i] = (System.nanoTime() - t) / 1e6;
    }
    Arrays.sort(ms);
    double p50 = ms[n / 2];
    System.out.printf("%-40s %8.1f %8.1f%n", name, p50, ms[(int) (n * 0.9)]);
    return p50;
  }
}
