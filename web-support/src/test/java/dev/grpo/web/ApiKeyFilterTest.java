package dev.grpo.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

class ApiKeyFilterTest {

  private final ApiKeyFilter filter = new ApiKeyFilter("s3cret", Set.of("/compat/run_code"));

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
    MockHttpServletResponse response = new MockHttpServletResponse();
    MockFilterChain chain = new MockFilterChain();
    filter.doFilter(request, response, chain);
    return chain.getRequest() == null ? response : null;
  }

  @Test
  void readsPassWithoutAKey() throws Exception {
    assertThat(send(request("GET", "/api/v1/runs", null))).isNull();
    assertThat(send(request("HEAD", "/api/v1/runs", null))).isNull();
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
  void aServiceWithoutAKeyDoesNotStart() {
    assertThatThrownBy(() -> new ApiKeyFilter(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("GRPO_API_KEY");
  }
}
