package dev.grpo.reward.runcode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.testsupport.ServiceBasicsContract;
import dev.grpo.testsupport.ServiceHttp;
import dev.grpo.testsupport.ServiceHttp.Response;
import dev.grpo.testsupport.SharedPostgres;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** {@code POST /api/v1/sandbox/run} with SandboxFusion's shapes, on the real sandbox. */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "grpo.reward.api-key=" + ServiceBasicsContract.KEY,
      "grpo.ledger.reaper-interval=1h"
    })
class SandboxApiIT {

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    SharedPostgres.register(registry);
  }

  @LocalServerPort int port;

  private ServiceHttp http() {
    return new ServiceHttp(port, ServiceBasicsContract.KEY);
  }

  @Test
  void runsPythonWithStdinAndAnswersInSandboxFusionShape() {
    Response r =
        http()
            .post(
                "/api/v1/sandbox/run",
                """
                {"code": "import sys\\nprint(sum(int(x) for x in sys.stdin.read().split()))",
                 "language": "python", "stdin": "2 3 37", "run_timeout": 5}
                """);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("status").asString()).isEqualTo("Success");
    assertThat(r.json().get("run_result").get("status").asString()).isEqualTo("Finished");
    assertThat(r.json().get("run_result").get("return_code").asInt()).isZero();
    assertThat(r.json().get("run_result").get("stdout").asString()).isEqualTo("42\n");
  }

  @Test
  void aCompileErrorIsTheProgramsFaultAndAnInfiniteLoopTimesOut() {
    Response bad =
        http().post("/api/v1/sandbox/run", "{\"code\": \"int main( {\", \"language\": \"c\"}");
    assertThat(bad.json().get("status").asString()).isEqualTo("Failed");
    assertThat(bad.json().get("compile_result").get("return_code").asInt()).isNotZero();
    assertThat(bad.json().get("run_result").isNull()).isTrue();

    Response loop =
        http()
            .post(
                "/api/v1/sandbox/run",
                "{\"code\": \"while True: pass\", \"language\": \"python\", \"run_timeout\": 1}");
    assertThat(loop.json().get("status").asString()).isEqualTo("Failed");
    assertThat(loop.json().get("run_result").get("status").asString())
        .isEqualTo("TimeLimitExceeded");
  }

  @Test
  void badRequestsAreProblemsAndTheKeyIsRequired() {
    Response language =
        http().post("/api/v1/sandbox/run", "{\"code\": \"print(1)\", \"language\": \"cobol\"}");
    assertThat(language.status()).isEqualTo(400);
    assertThat(language.json().get("errors").get(0).get("field").asString()).isEqualTo("language");
    assertThat(http().withKey(null).post("/api/v1/sandbox/run", "{}").status()).isEqualTo(401);
    // a request may tighten the limits, not lift them
    Response day =
        http()
            .post(
                "/api/v1/sandbox/run",
                "{\"code\": \"print(1)\", \"language\": \"python\", \"run_timeout\": 86400}");
    assertThat(day.status()).isEqualTo(400);
    assertThat(day.json().get("errors").get(0).get("field").asString()).isEqualTo("run_timeout");
    Response memory =
        http()
            .post(
                "/api/v1/sandbox/run",
                "{\"code\": \"print(1)\", \"language\": \"python\", \"memory_limit_MB\": 1000000}");
    assertThat(memory.json().get("errors").get(0).get("field").asString())
        .isEqualTo("memory_limit_MB");
  }

  /**
   * The service's seccomp filter is on every run: raw syscalls from the submitted program answer
   * the filter's errno (x86-64 numbers). Without it, unshare(0) and the session keyring lookup
   * succeed and io_uring_setup(1, NULL) answers EFAULT (see SeccompFilterTest).
   */
  @Test
  void deniedSyscallsAnswerTheFiltersErrnoInsideTheService() {
    String probe =
        String.join(
            "\\n",
            "import ctypes",
            "libc = ctypes.CDLL(None, use_errno=True)",
            "for name, nr, a, b in [('io_uring_setup', 425, 1, 0), ('keyctl', 250, 0, -3),"
                + " ('unshare', 272, 0, 0), ('ptrace', 101, 0, 0), ('getpid', 39, 0, 0)]:",
            "    ctypes.set_errno(0)",
            "    rc = libc.syscall(nr, ctypes.c_long(a), ctypes.c_long(b), 0, 0, 0)",
            "    print(name, ctypes.get_errno() if rc < 0 else 0)");
    Response r =
        http()
            .post(
                "/api/v1/sandbox/run",
                "{\"code\": \"" + probe + "\", \"language\": \"python\", \"run_timeout\": 10}");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("run_result").get("stdout").asString())
        .isEqualTo("io_uring_setup 38\nkeyctl 1\nunshare 1\nptrace 1\ngetpid 0\n");
  }

  @Test
  void theSandboxIsPartOfReadiness() {
    Response readiness = http().get("/actuator/health/readiness");
    assertThat(readiness.status()).isEqualTo(200);
  }
}
