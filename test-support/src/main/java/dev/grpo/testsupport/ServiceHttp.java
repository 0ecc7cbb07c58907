package dev.grpo.testsupport;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A small HTTP client for tests that talk to a service on a real port, as a user would. */
public final class ServiceHttp {

  /** A response with its body parsed as JSON when it is JSON. */
  public record Response(int status, String contentType, JsonNode json, HttpResponse<String> raw) {
    public String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }
  }

  private static final JsonMapper MAPPER = JsonMapper.builder().build();
  private final HttpClient client = HttpClient.newHttpClient();
  private final String base;
  private final String apiKey;

  public ServiceHttp(int port, String apiKey) {
    this.base = "http://localhost:" + port;
    this.apiKey = apiKey;
  }

  /** A GET with the key (reads need one too), or without when the key is null. */
  public Response get(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).GET();
    if (apiKey != null) {
      b.header("Authorization", "Bearer " + apiKey);
    }
    return send(b);
  }

  public Response post(String path, String body, String... headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body == null ? "" : body));
    if (apiKey != null) {
      b.header("Authorization", "Bearer " + apiKey);
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return send(b);
  }

  public ServiceHttp withKey(String key) {
    return new ServiceHttp(Integer.parseInt(base.substring(base.lastIndexOf(':') + 1)), key);
  }

  private Response send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> r = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
      String type = r.headers().firstValue("Content-Type").orElse("");
      JsonNode json =
          type.contains("json") && !r.body().isEmpty() ? MAPPER.readTree(r.body()) : null;
      return new Response(r.statusCode(), type, json, r);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
