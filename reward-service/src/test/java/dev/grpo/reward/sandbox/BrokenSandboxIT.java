package dev.grpo.reward.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.reward.judge.JudgeOptions;
import dev.grpo.reward.judge.JudgeReport;
import dev.grpo.reward.judge.TestCase;
import dev.grpo.reward.judge.TestCaseJudge;
import dev.grpo.reward.runcode.RunCodeRequest;
import dev.grpo.reward.runcode.RunCodeResponse;
import dev.grpo.reward.runcode.SandboxFusionFacade;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A sandbox whose bubblewrap is gone: the judge and run_code say SANDBOX_ERROR, never a score. */
class BrokenSandboxIT {

  @Test
  void sandboxFailureIsAnErrorNotAZeroScore() {
    SandboxConfig broken = SharedSandbox.get().config().withBwrap(Path.of("/nonexistent/bwrap"));
    try (CodeSandbox sandbox = CodeSandbox.withoutProbe(broken)) {
      JudgeReport r =
          new TestCaseJudge(sandbox)
              .judge(
                  "print(1)",
                  Language.PYTHON,
                  List.of(new TestCase.Stdio("", "1"), new TestCase.Stdio("", "1")),
                  JudgeOptions.defaults());
      assertThat(r.status()).isEqualTo(JudgeReport.Status.SANDBOX_ERROR);
      assertThat(r.score()).isEmpty();
      assertThat(r.cases()).hasSize(1);
      assertThat(r.cases().get(0).outcome()).isEqualTo(Outcome.SANDBOX_ERROR);
      assertThat(r.message()).contains("/nonexistent/bwrap");
    }
  }

  @Test
  void facadeReportsSandboxErrorStatus() {
    SandboxConfig broken = SharedSandbox.get().config().withBwrap(Path.of("/nonexistent/bwrap"));
    try (CodeSandbox sandbox = CodeSandbox.withoutProbe(broken);
        SandboxExecutor executor = new SandboxExecutor(1, 1)) {
      RunCodeResponse py =
          new SandboxFusionFacade(sandbox, executor)
              .runNow(RunCodeRequest.of("print(1)", "python", null));
      assertThat(py.status()).isEqualTo(RunCodeResponse.SANDBOX_ERROR);
      assertThat(py.runResult().status()).isEqualTo(RunCodeResponse.CommandResult.ERROR);
      assertThat(py.runResult().returnCode()).isNull();
      RunCodeResponse c =
          new SandboxFusionFacade(sandbox, executor)
              .runNow(RunCodeRequest.of("int main(){return 0;}", "c", null));
      assertThat(c.status()).isEqualTo(RunCodeResponse.SANDBOX_ERROR);
      assertThat(c.compileResult().status()).isEqualTo(RunCodeResponse.CommandResult.ERROR);
      assertThat(c.runResult()).isNull();
    }
  }
}
