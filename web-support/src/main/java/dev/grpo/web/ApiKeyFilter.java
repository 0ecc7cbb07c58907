package dev.grpo.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Set;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Requires {@code Authorization: Bearer <api key>} on every mutating request (anything but GET,
 * HEAD and OPTIONS), whatever its path; reads and the actuator stay open so probes and dashboards
 * need no secret. The decision never looks at the raw URI, so spellings such as {@code /api;x/},
 * {@code /%61pi/} or {@code //api/} that the router maps to the same handler cannot skip it. The
 * only exceptions are the {@code openPaths} a service names (compared with the container's decoded,
 * normalised path), which check a key themselves. The key is compared in constant time.
 */
public class ApiKeyFilter extends OncePerRequestFilter {

  private final byte[] expected;
  private final Set<String> openPaths;

  public ApiKeyFilter(String apiKey) {
    this(apiKey, Set.of());
  }

  public ApiKeyFilter(String apiKey, Set<String> openPaths) {
    if (apiKey == null || apiKey.isBlank()) {
      throw new IllegalArgumentException("an API key must be configured (GRPO_API_KEY)");
    }
    this.expected = ("Bearer " + apiKey).getBytes(StandardCharsets.UTF_8);
    this.openPaths = Set.copyOf(openPaths);
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    String method = request.getMethod();
    boolean reading =
        HttpMethod.GET.matches(method)
            || HttpMethod.HEAD.matches(method)
            || HttpMethod.OPTIONS.matches(method);
    if (reading) {
      return true;
    }
    String path =
        request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
    return openPaths.contains(path);
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
