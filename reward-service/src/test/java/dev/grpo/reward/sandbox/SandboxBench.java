package dev.grpo.reward.sandbox;

import dev.grpo.reward.judge.JudgeOptions;
import dev.grpo.reward.judge.JudgeReport;
import dev.grpo.reward.judge.OutputComparison;
import dev.grpo.reward.judge.TestCase;
import dev.grpo.reward.judge.TestCaseJudge;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Sandboxed versus plain (ProcessBuilder, no isolation) latency and throughput.
 *
 * <p>Run: {@code java -cp target/classes:target/test-classes:<deps>
 * dev.grpo.reward.sandbox.SandboxBench [iterations]}. Needs root and bubblewrap, like the sandbox.
 */
public final class SandboxBench {

  private static final String PY = "print('hello')\n";
  private static final String C =
      "#include <stdio.h>\nint main(){long a,b; if(scanf(\"%ld %ld\",&a,&b)!=2) return 1;"
          + " printf(\"%ld\\n\", a+b); return 0;}\n";

  interface Job {
    void run() throws Exception;
  }

  private SandboxBench() {}

  public static void main(String[] args) throws Exception {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    CodeSandbox sandbox =
        CodeSandbox.start(
            SandboxConfig.defaults()
                .withWorkRoot(Path.of("/dev/shm/grpo-sandbox-bench"))
                .withUids(63500, 8));
    TestCaseJudge judge = new TestCaseJudge(sandbox);
    List<TestCase> cases = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      cases.add(new TestCase.Stdio(i + " " + (i * 7), Integer.toString(i * 8)));
    }
    Path plainDir = Files.createTempDirectory("grpo-bench-plain");

    Job pySandboxed =
        () -> {
          try (Submission s =
              sandbox.prepare(PY, Language.PYTHON, Map.of(), SandboxPolicy.compileDefaults())) {
            check(s.run(null, SandboxPolicy.runDefaults()).stdoutText().equals("hello\n"));
          }
        };
    Job pyPlain =
        () -> {
          Path d = Files.createTempDirectory(plainDir, "py");
          Files.writeString(d.resolve("main.py"), PY);
          check(plain(d, null, "/usr/bin/python3", "-u", "main.py").equals("hello\n"));
          RunDirectories.deleteTree(d);
        };
    Job cSandboxed =
        () -> {
          JudgeReport r = judge.judge(C, Language.C, cases, JudgeOptions.defaults());
          check(r.score().orElse(0) == 1.0);
        };
    Job cPlain =
        () -> {
          Path d = Files.createTempDirectory(plainDir, "c");
          Files.writeString(d.resolve("main.c"), C);
          plain(d, null, "/usr/bin/gcc", "-O2", "-std=gnu17", "-o", "main", "main.c", "-lm");
          for (int i = 0; i < 10; i++) {
            String out = plain(d, i + " " + (i * 7), "./main");
            check(OutputComparison.DEFAULT.matches(out, Integer.toString(i * 8)));
          }
          RunDirectories.deleteTree(d);
        };
    // One compiled binary, one run: the per-test-case cost.
    Submission cOnce = sandbox.prepare(C, Language.C, Map.of(), SandboxPolicy.compileDefaults());
    Path cPlainDir = Files.createTempDirectory(plainDir, "c1");
    Files.writeString(cPlainDir.resolve("main.c"), C);
    plain(cPlainDir, null, "/usr/bin/gcc", "-O2", "-o", "main", "main.c");
    byte[] in = "3 4".getBytes(StandardCharsets.UTF_8);
    Job cRunSandboxed =
        () -> check(cOnce.run(in, SandboxPolicy.runDefaults()).stdoutText().equals("7\n"));
    Job cRunPlain = () -> check(plain(cPlainDir, "3 4", "./main").equals("7\n"));

    System.out.printf(
        "%-34s %8s %9s %9s %12s%n", "workload", "runs/s", "p50 ms", "p99 ms", "runs/s (2 thr)");
    double[] py = row("python trivial, sandboxed", pySandboxed, iterations);
    double[] pyp = row("python trivial, plain", pyPlain, iterations);
    double[] cr = row("C one test run, sandboxed", cRunSandboxed, iterations);
    double[] crp = row("C one test run, plain", cRunPlain, iterations);
    int cIters = Math.max(10, iterations / 5);
    double[] c = row("C compile + 10 cases, sandboxed", cSandboxed, cIters);
    double[] cp = row("C compile + 10 cases, plain", cPlain, cIters);
    System.out.printf("%noverhead at p50 (sandboxed - plain):%n");
    System.out.printf("  python trivial run        %6.1f ms%n", py[0] - pyp[0]);
    System.out.printf("  C single test run         %6.1f ms%n", cr[0] - crp[0]);
    System.out.printf(
        "  C compile + 10 cases      %6.1f ms  (%.1f ms per sandboxed process, 11 processes)%n",
        c[0] - cp[0], (c[0] - cp[0]) / 11);
    cOnce.close();
    RunDirectories.deleteTree(plainDir);
    sandbox.close();
    System.exit(0);
  }

  /** Returns {p50, p99} in ms after printing the row. */
  private static double[] row(String name, Job job, int iterations) throws Exception {
    for (int i = 0; i < Math.min(20, iterations / 5 + 1); i++) {
      job.run(); // warm-up
    }
    double[] ms = new double[iterations];
    long start = System.nanoTime();
    for (int i = 0; i < iterations; i++) {
      long t = System.nanoTime();
      job.run();
      ms[i] = (System.nanoTime() - t) / 1e6;
    }
    double serialRate = iterations / ((System.nanoTime() - start) / 1e9);
    ExecutorService two = Executors.newFixedThreadPool(2);
    long s2 = System.nanoTime();
    List<Future<?>> fs = new ArrayList<>();
    for (int i = 0; i < iterations; i++) {
      fs.add(
          two.submit(
              () -> {
                job.run();
                return null;
              }));
    }
    for (Future<?> f : fs) {
      f.get(10, TimeUnit.MINUTES);
    }
    double parallelRate = iterations / ((System.nanoTime() - s2) / 1e9);
    two.shutdown();
    Arrays.sort(ms);
    double p50 = ms[(int) Math.floor(0.50 * (iterations - 1))];
    double p99 = ms[(int) Math.floor(0.99 * (iterations - 1))];
    System.out.printf("%-34s %8.1f %9.1f %9.1f %12.1f%n", name, serialRate, p50, p99, parallelRate);
    return new double[] {p50, p99};
  }

  private static String plain(Path dir, String stdin, String... command)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }

  private static void check(boolean ok) {
    if (!ok) {
      throw new IllegalStateException("bench program gave a wrong result");
    }
  }
}
