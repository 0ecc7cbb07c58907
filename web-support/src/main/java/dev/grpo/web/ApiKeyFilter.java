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
 * Requires {@code Authorization: Bearer <key>} on every request, whatever its path: the API key for
 * anything, or the optional read-only key for GET and HEAD. What stays open, for probes, scrapers
 * and API browsers that hold no secret: GET/HEAD of the health groups, {@code
 * /actuator/prometheus}, the OpenAPI document and Swagger UI (they describe the API, they hold no
 * data), and OPTIONS. The decision never looks at the raw URI, so spellings such as {@code
 * /api;x/}, {@code /%61pi/} or {@code //api/} that the router maps to the same handler cannot skip
 * it: paths are compared with the container's decoded, normalised path. The {@code openPaths} a
 * service names skip the check because their handlers check a key themselves; GET/HEAD under its
 * {@code openStaticPrefixes} skip it because they serve static files (a browser console) with no
 * data in them. Keys are compared in constant time.
 */
public class ApiKeyFilter extends OncePerRequestFilter {

  private static final Set<String> OPEN_READS =
      Set.of(
          "/actuator/health",
          "/actuator/health/liveness",
          "/actuator/health/readiness",
          "/actuator/prometheus",
          "/v3/api-docs",
          "/v3/api-docs.yaml",
          "/swagger-ui.html");
  private static final Set<String> OPEN_READ_PREFIXES = Set.of("/swagger-ui/", "/v3/api-docs/");

  private final byte[] expected;
  private final byte[] expectedRead;
  private final Set<String> openPaths;
  private final Set<String> openStaticPrefixes;

  public ApiKeyFilter(String apiKey) {
    this(apiKey, null, Set.of());
  }

  public ApiKeyFilter(String apiKey, Set<String> openPaths) {
    this(apiKey, null, openPaths);
  }

  /**
   * @param readKey a key that may only read (GET, HEAD); null or blank when there is none
   */
  public ApiKeyFilter(String apiKey, String readKey, Set<String> openPaths) {
    this(apiKey, readKey, openPaths, Set.of());
  }

  /**
   * @param openStaticPrefixes path prefixes, each ending in {@code /}, whose GET and HEAD need no
   *     key
   */
  public ApiKeyFilter(
      String apiKey, String readKey, Set<String> openPaths, Set<String> openStaticPrefixes) {
    if (apiKey == null || apiKey.isBlank()) {
      throw new IllegalArgumentException("an API key must be configured (GRPO_API_KEY)");
    }
    boolean hasReadKey = readKey != null && !readKey.isBlank();
    if (hasReadKey && readKey.equals(apiKey)) {
      throw new IllegalArgumentException(
          "the read-only key (GRPO_API_READ_KEY) must differ from the API key");
    }
    this.expected = bearer(apiKey);
    this.expectedRead = hasReadKey ? bearer(readKey) : null;
    this.openPaths = Set.copyOf(openPaths);
    for (String prefix : openStaticPrefixes) {
      if (!prefix.startsWith("/") || !prefix.endsWith("/") || prefix.length() < 3) {
        throw new IllegalArgumentException(
            "an open static prefix must start and end with '/': " + prefix);
      }
    }
    this.openStaticPrefixes = Set.copyOf(openStaticPrefixes);
  }

  private static byte[] bearer(String key) {
    return ("Bearer " + key).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    String method = request.getMethod();
    if (HttpMethod.OPTIONS.matches(method)) {
      return true;
    }
    String path = path(request);
    if (reading(request)
        && (OPEN_READS.contains(path)
            || OPEN_READ_PREFIXES.stream().anyMatch(path::startsWith)
            || openStaticPrefixes.stream().anyMatch(p -> opens(p, path)))) {
      return true;
    }
    return openPaths.contains(path);
  }

  /** {@code /console/} opens {@code /console/...} and {@code /console} itself (a redirect). */
  private static boolean opens(String prefix, String path) {
    return path.startsWith(prefix) || path.equals(prefix.substring(0, prefix.length() - 1));
  }

  private static boolean reading(HttpServletRequest request) {
    return HttpMethod.GET.matches(request.getMethod())
        || HttpMethod.HEAD.matches(request.getMethod());
  }

  private static String path(HttpServletRequest request) {
    return request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String header = request.getHeader(HttpHeaders.AUTHORIZATION);
    byte[] given = header == null ? new byte[0] : header.getBytes(StandardCharsets.UTF_8);
    boolean full = MessageDigest.isEqual(expected, given);
    boolean readOnly = expectedRead != null && MessageDigest.isEqual(expectedRead, given);
    if (full || (readOnly && reading(request))) {
      chain.doFilter(request, response);
      return;
    }
    String detail;
    int status;
    if (readOnly) {
      status = HttpServletResponse.SC_FORBIDDEN;
      detail = "the read-only key may only GET; this request needs the API key";
    } else {
      status = HttpServletResponse.SC_UNAUTHORIZED;
      detail =
          header == null
              ? "this request needs an 'Authorization: Bearer <api key>' header"
              : "the API key is not valid";
    }
    writeProblem(request, response, status, detail);
  }

  private static void writeProblem(
      HttpServletRequest request, HttpServletResponse response, int status, String detail)
      throws IOException {
    response.setStatus(status);
    if (status == HttpServletResponse.SC_UNAUTHORIZED) {
      response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"grpo\"");
    }
    response.setContentType("application/problem+json");
    response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    boolean unauthorized = status == HttpServletResponse.SC_UNAUTHORIZED;
    response
        .getWriter()
        .write(
            "{\"type\":\"https://grpo.dev/problems/"
                + (unauthorized ? "unauthorized" : "forbidden")
                + "\",\"title\":\""
                + (unauthorized ? "Unauthorized" : "Forbidden")
                + "\",\"status\":"
                + status
                + ",\"detail\":\""
                + detail.replace("\"", "\\\"")
                + "\",\"instance\":\""
                + request.getRequestURI().replace("\"", "%22").replace("\\", "%5C")
                + "\"}");
  }
}
