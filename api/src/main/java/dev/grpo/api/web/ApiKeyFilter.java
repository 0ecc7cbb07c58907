package dev.grpo.api.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Requires {@code Authorization: Bearer <api key>} on every mutating request (POST, PUT, PATCH,
 * DELETE) under {@code /api/}; reads and the actuator stay open so probes and dashboards need no
 * secret. The key is compared in constant time.
 */
public class ApiKeyFilter extends OncePerRequestFilter {

  private final byte[] expected;

  public ApiKeyFilter(String apiKey) {
    if (apiKey == null || apiKey.isBlank()) {
      throw new IllegalArgumentException("an API key must be configured (GRPO_API_KEY)");
    }
    this.expected = ("Bearer " + apiKey).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    String method = request.getMethod();
    boolean mutating =
        !(HttpMethod.GET.matches(method)
            || HttpMethod.HEAD.matches(method)
            || HttpMethod.OPTIONS.matches(method));
    return !(mutating && request.getRequestURI().startsWith("/api/"));
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String header = request.getHeader(HttpHeaders.AUTHORIZATION);
    byte[] given = header == null ? new byte[0] : header.getBytes(StandardCharsets.UTF_8);
    if (MessageDigest.isEqual(expected, given)) {
      chain.doFilter(request, response);
      return;
    }
    response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
    response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"grpo\"");
    response.setContentType("application/problem+json");
    response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    String detail =
        header == null
            ? "this request needs an 'Authorization: Bearer <api key>' header"
            : "the API key is not valid";
    response
        .getWriter()
        .write(
            "{\"type\":\"https://grpo.dev/problems/unauthorized\",\"title\":\"Unauthorized\","
                + "\"status\":401,\"detail\":\""
                + detail.replace("\"", "\\\"")
                + "\",\"instance\":\""
                + request.getRequestURI().replace("\"", "%22")
                + "\"}");
  }
}
