package dev.grpo.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

class ApiKeyFilterTest {

  private final ApiKeyFilter filter =
      new ApiKeyFilter("s3cret", "r3ad", Set.of("/compat/run_code"));

  private static MockHttpServletRequest request(String method, String path, String auth) {
    MockHttpServletRequest request = new MockHttpServletRequest(method, path);
    request.setServletPath(path);
    if (auth != null) {
      request.addHeader("Authorization", auth);
    }
    return request;
  }

  /** The response, or null when the request went on down the chain. */
  private MockHttpServletResponse send(MockHttpServletRequest request) throws Exception {
    return send(filter, request);
  }

  private static MockHttpServletResponse send(ApiKeyFilter filter, MockHttpServletRequest request)
      throws Exception {
    MockHttpServletResponse response = new MockHttpServletResponse();
    MockFilterChain chain = new MockFilterChain();
    filter.doFilter(request, response, chain);
    return chain.getRequest() == null ? response : null;
  }

  @Test
  void readsNeedAKey() throws Exception {
    for (String path : new String[] {"/api/v1/runs", "/api/v1/runs/1/samples", "/", "/actuator"}) {
      MockHttpServletResponse r = send(request("GET", path, null));
      assertThat(r).as(path).isNotNull();
      assertThat(r.getStatus()).isEqualTo(401);
    }
    assertThat(send(request("HEAD", "/api/v1/runs", null)).getStatus()).isEqualTo(401);
    assertThat(send(request("GET", "/api/v1/runs", "Bearer wrong")).getStatus()).isEqualTo(401);
    assertThat(send(request("GET", "/api/v1/runs", "Bearer s3cret"))).isNull();
  }

  @Test
  void theReadOnlyKeyMayGetAndHeadButNotWrite() throws Exception {
    assertThat(send(request("GET", "/api/v1/runs/1/events", "Bearer r3ad"))).isNull();
    assertThat(send(request("HEAD", "/api/v1/runs", "Bearer r3ad"))).isNull();
    for (String method : new String[] {"POST", "PUT", "PATCH", "DELETE"}) {
      MockHttpServletResponse r = send(request(method, "/api/v1/runs", "Bearer r3ad"));
      assertThat(r).as(method).isNotNull();
      assertThat(r.getStatus()).isEqualTo(403);
      assertThat(r.getContentType()).startsWith("application/problem+json");
      assertThat(r.getContentAsString())
          .contains("\"type\":\"https://grpo.dev/problems/forbidden\"")
          .contains("the read-only key may only GET");
    }
  }

  @Test
  void withoutAReadKeyTheReadKeyOfAnotherDeploymentIsJustWrong() throws Exception {
    ApiKeyFilter writeOnly = new ApiKeyFilter("s3cret", " ", Set.of());
    assertThat(send(writeOnly, request("GET", "/api/v1/runs", "Bearer r3ad")).getStatus())
        .isEqualTo(401);
    assertThat(send(writeOnly, request("GET", "/api/v1/runs", "Bearer ")).getStatus())
        .isEqualTo(401);
    assertThat(send(writeOnly, request("GET", "/api/v1/runs", "Bearer s3cret"))).isNull();
  }

  @Test
  void probesScrapersAndTheApiDocumentStayOpen() throws Exception {
    for (String path :
        new String[] {
          "/actuator/health",
          "/actuator/health/liveness",
          "/actuator/health/readiness",
          "/actuator/prometheus",
          "/v3/api-docs",
          "/v3/api-docs/swagger-config",
          "/swagger-ui.html",
          "/swagger-ui/index.html"
        }) {
      assertThat(send(request("GET", path, null))).as(path).isNull();
    }
    // open for reading only, and only those paths
    assertThat(send(request("POST", "/actuator/health", null)).getStatus()).isEqualTo(401);
    assertThat(send(request("GET", "/actuator/env", null)).getStatus()).isEqualTo(401);
    assertThat(send(request("GET", "/actuator/health/db/x", null)).getStatus()).isEqualTo(401);
    assertThat(send(request("OPTIONS", "/api/v1/runs", null))).isNull();
  }

  @Test
  void theReadKeyMustDifferFromTheApiKey() {
    assertThatThrownBy(() -> new ApiKeyFilter("same", "same", Set.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("GRPO_API_READ_KEY");
  }

  @Test
  void aWriteWithTheKeyPasses() throws Exception {
    assertThat(send(request("POST", "/api/v1/runs", "Bearer s3cret"))).isNull();
  }

  @Test
  void aWriteWithoutTheKeyIsAnUnauthorizedProblem() throws Exception {
    MockHttpServletResponse r = send(request("POST", "/api/v1/runs", null));
    assertThat(r).isNotNull();
    assertThat(r.getStatus()).isEqualTo(401);
    assertThat(r.getContentType()).startsWith("application/problem+json");
    assertThat(r.getHeader("WWW-Authenticate")).isEqualTo("Bearer realm=\"grpo\"");
    assertThat(r.getContentAsString())
        .isEqualTo(
            "{\"type\":\"https://grpo.dev/problems/unauthorized\",\"title\":\"Unauthorized\","
                + "\"status\":401,\"detail\":\"this request needs an 'Authorization: Bearer"
                + " <api key>' header\",\"instance\":\"/api/v1/runs\"}");
  }

  @Test
  void aWrongKeyOrSchemeIsRejected() throws Exception {
    for (String auth : new String[] {"Bearer s3cre", "Bearer s3cret ", "s3cret", "Basic s3cret"}) {
      MockHttpServletResponse r = send(request("DELETE", "/api/v1/runs/1", auth));
      assertThat(r).as(auth).isNotNull();
      assertThat(r.getStatus()).isEqualTo(401);
      assertThat(r.getContentAsString()).contains("\"detail\":\"the API key is not valid\"");
    }
  }

  @Test
  void onlyTheNamedOpenPathsSkipTheKey() throws Exception {
    assertThat(send(request("POST", "/compat/run_code", null))).isNull();
    assertThat(send(request("POST", "/compat/run_code/x", null)).getStatus()).isEqualTo(401);
  }

  @Test
  void staticPrefixesOpenOnlyTheirReads() throws Exception {
    ApiKeyFilter console =
        new ApiKeyFilter("s3cret", null, Set.of(), Set.of("/console/", "/webjars/"));
    assertThat(send(console, request("GET", "/console/index.html", null))).isNull();
    assertThat(send(console, request("GET", "/console/", null))).isNull();
    assertThat(send(console, request("GET", "/console", null))).isNull();
    assertThat(send(console, request("HEAD", "/webjars/uplot/1.6.30/dist/uPlot.min.css", null)))
        .isNull();
    // writes under the prefix, look-alike paths and the API itself still need the key
    assertThat(send(console, request("POST", "/console/index.html", null)).getStatus())
        .isEqualTo(401);
    assertThat(send(console, request("GET", "/consoles/x", null)).getStatus()).isEqualTo(401);
    assertThat(send(console, request("GET", "/api/v1/runs", null)).getStatus()).isEqualTo(401);
    assertThat(send(request("GET", "/console/index.html", null)).getStatus()).isEqualTo(401);
    assertThatThrownBy(() -> new ApiKeyFilter("s3cret", null, Set.of(), Set.of("/console")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("/console");
  }

  @Test
  void aServiceWithoutAKeyDoesNotStart() {
    assertThatThrownBy(() -> new ApiKeyFilter(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("GRPO_API_KEY");
  }
}
