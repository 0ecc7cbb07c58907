package dev.grpo.reward.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.reward.runcode.RunCodeRequest;
import dev.grpo.reward.runcode.RunCodeResponse;
import dev.grpo.reward.runcode.SandboxFusionFacade;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LanguagesIT {

  private final SandboxFusionFacade facade = SharedSandbox.facade();

  private RunCodeResponse run(String language, String code, String stdin) {
    return facade.runNow(RunCodeRequest.of(code, language, stdin));
  }

  @Test
  void python() {
    RunCodeResponse r = run("python", "import sys\nprint(int(sys.stdin.read()) * 2)", "21\n");
    assertThat(r.status()).isEqualTo("Success");
    assertThat(r.compileResult()).isNull();
    assertThat(r.runResult().stdout()).isEqualTo("42\n");
    assertThat(r.runResult().returnCode()).isZero();
    assertThat(r.runResult().status()).isEqualTo("Finished");
  }

  @Test
  void c() {
    RunCodeResponse r =
        run(
            "c",
            "#include <stdio.h>\n#include <math.h>\n"
                + "int main(){int a,b;scanf(\"%d %d\",&a,&b);printf(\"%d %.1f\\n\",a+b,sqrt(16));}",
            "2 3");
    assertThat(r.status()).isEqualTo("Success");
    assertThat(r.compileResult().status()).isEqualTo("Finished");
    assertThat(r.compileResult().returnCode()).isZero();
    assertThat(r.runResult().stdout()).isEqualTo("5 4.0\n");
  }

  @Test
  void cpp() {
    RunCodeResponse r =
        run(
            "cpp",
            "#include <bits/stdc++.h>\nint main(){std::vector<int> v{3,1,2};"
                + "std::sort(v.begin(),v.end());for(int x:v)std::cout<<x<<' ';std::cout<<\"\\n\";}",
            null);
    assertThat(r.status()).isEqualTo("Success");
    assertThat(r.runResult().stdout()).isEqualTo("1 2 3 \n");
  }

  @Test
  void javaWithAnyPublicClassName() {
    RunCodeResponse r =
        run(
            "java",
            "import java.util.*;\npublic class Solution { public static void main(String[] a) {"
                + " Scanner s = new Scanner(System.in); System.out.println(s.nextInt() + 1); } }",
            "41");
    assertThat(r.status()).as(r.toString()).isEqualTo("Success");
    assertThat(r.runResult().stdout()).isEqualTo("42\n");
  }

  @Test
  void javascript() {
    RunCodeResponse r =
        run(
            "nodejs",
            "const d = require('fs').readFileSync(0, 'utf8'); console.log(d.trim().toUpperCase());",
            "abc");
    assertThat(r.status()).as(r.toString()).isEqualTo("Success");
    assertThat(r.runResult().stdout()).isEqualTo("ABC\n");
  }

  @Test
  void compileErrorIsFailedWithoutRun() {
    RunCodeResponse r = run("c", "int main( { return 0; }", null);
    assertThat(r.status()).isEqualTo("Failed");
    assertThat(r.compileResult().returnCode()).isNotZero();
    assertThat(r.compileResult().stderr()).contains("error");
    assertThat(r.runResult()).isNull();
  }

  @Test
  void runtimeErrorIsFailedWithReturnCode() {
    RunCodeResponse r = run("python", "raise SystemExit(3)", null);
    assertThat(r.status()).isEqualTo("Failed");
    assertThat(r.runResult().status()).isEqualTo("Finished");
    assertThat(r.runResult().returnCode()).isEqualTo(3);
  }

  @Test
  void timeoutIsTimeLimitExceeded() {
    RunCodeResponse r =
        facade.runNow(
            new RunCodeRequest("while True: pass", "python", null, null, 0.5, null, null));
    assertThat(r.status()).isEqualTo("Failed");
    assertThat(r.runResult().status()).isEqualTo("TimeLimitExceeded");
    assertThat(r.runResult().executionTime()).isBetween(0.4, 3.0);
  }

  @Test
  void memoryLimitFromTheRequestIsApplied() {
    String code = "x = bytearray(300 << 20)\nprint(len(x) >> 20)";
    RunCodeResponse small =
        facade.runNow(new RunCodeRequest(code, "python", null, null, null, 128, null));
    assertThat(small.status()).isEqualTo("Failed");
    assertThat(small.message()).isEqualTo("memory limit exceeded");
    assertThat(small.runResult().stderr()).contains("MemoryError");
    RunCodeResponse big =
        facade.runNow(new RunCodeRequest(code, "python", null, null, null, 1024, null));
    assertThat(big.status()).as(big.toString()).isEqualTo("Success");
    assertThat(big.runResult().stdout()).isEqualTo("300\n");
  }

  @Test
  void extraFilesAreVisibleReadOnly() {
    String data = Base64.getEncoder().encodeToString("7 8\n".getBytes(StandardCharsets.UTF_8));
    RunCodeResponse r =
        facade.runNow(
            new RunCodeRequest(
                "a, b = map(int, open('data/in.txt').read().split())\nprint(a * b)\n"
                    + "open('scratch.txt', 'w').write('x')\n"
                    + "try:\n    open('data/in.txt', 'w')\nexcept OSError:\n    print('ro')\n",
                "python",
                null,
                null,
                null,
                null,
                Map.of("data/in.txt", data)));
    assertThat(r.status()).as(r.toString()).isEqualTo("Success");
    assertThat(r.runResult().stdout()).isEqualTo("56\nro\n");
  }

  @Test
  void badRequestsAreRejected() {
    assertThatThrownBy(() -> run("cobol", "x", null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                facade.runNow(
                    new RunCodeRequest(
                        "x", "python", null, null, null, null, Map.of("../escape", "eA=="))))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
