package dev.grpo.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.mock.http.client.MockClientHttpRequest;
import org.springframework.mock.http.client.MockClientHttpResponse;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

class CorrelationTest {

  private static final String RUN = "0b7e8f0e-6d3c-4c1e-9a55-2f6f0e2c8a11";

  @AfterEach
  void clear() {
    MDC.clear();
  }

  /** What the MDC held while the request was served, and the response. */
  private static Map<String, String> serve(
      MockHttpServletRequest request, MockHttpServletResponse response) throws Exception {
    Map<String, String> seen = new HashMap<>();
    new CorrelationFilter()
        .doFilter(
            request,
            response,
            (req, res) -> {
              for (String key : new String[] {Correlation.RUN, Correlation.STEP, "requestId"}) {
                if (MDC.get(key) != null) {
                  seen.put(key, MDC.get(key));
                }
              }
            });
    return seen;
  }

  @Test
  void theCallersRunStepAndRequestIdLabelTheRequestsLogLinesAndNoneOutlivesIt() throws Exception {
    MockHttpServletRequest request = new MockHttpServletRequest("POST", "/api/v1/score");
    request.addHeader("X-Grpo-Run", RUN);
    request.addHeader("X-Grpo-Step", "17");
    request.addHeader("X-Request-Id", "step-17.score:a");
    MockHttpServletResponse response = new MockHttpServletResponse();

    Map<String, String> seen = serve(request, response);

    assertThat(seen)
        .containsEntry("run", RUN)
        .containsEntry("step", "17")
        .containsEntry("requestId", "step-17.score:a");
    assertThat(response.getHeader("X-Request-Id")).isEqualTo("step-17.score:a");
    assertThat(MDC.getCopyOfContextMap()).isNullOrEmpty();
  }

  @Test
  void headersThatAreNotAUuidANumberOrAPlainIdNeverReachTheLogs() throws Exception {
    MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/v1/runs");
    request.addHeader("X-Grpo-Run", "x\n2026-12-03 INFO forged line");
    request.addHeader("X-Grpo-Step", "-1");
    request.addHeader("X-Request-Id", "a b\r\nc");
    MockHttpServletResponse response = new MockHttpServletResponse();

    Map<String, String> seen = serve(request, response);

    assertThat(seen).doesNotContainKeys("run", "step");
    assertThat(seen.get("requestId")).matches("[0-9a-f]{16}");
    assertThat(response.getHeader("X-Request-Id")).isEqualTo(seen.get("requestId"));
  }

  @Test
  void outgoingCallsCarryTheThreadsRunStepAndAFreshRequestId() throws Exception {
    MockClientHttpRequest request = new MockClientHttpRequest(HttpMethod.POST, URI.create("/x"));
    try (var run = Correlation.run(UUID.fromString(RUN));
        var step = Correlation.step(3)) {
      Correlation.propagating()
          .intercept(
              request,
              new byte[0],
              (req, body) -> {
                ClientHttpResponse ok = new MockClientHttpResponse(new byte[0], 200);
                return ok;
              });
    }
    assertThat(request.getHeaders().getFirst("X-Grpo-Run")).isEqualTo(RUN);
    assertThat(request.getHeaders().getFirst("X-Grpo-Step")).isEqualTo("3");
    assertThat(request.getHeaders().getFirst("X-Request-Id")).matches("[0-9a-f]{16}");
    assertThat(MDC.get("run")).isNull();
  }
}
