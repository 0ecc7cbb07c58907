package dev.grpo.testsupport;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.testsupport.ServiceHttp.Response;
import java.io.IOException;
import java.net.Socket;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * What every service must show, checked against the running service on a real port: the health
 * groups, Prometheus, the Flyway migration, and the API key on mutating endpoints. A service's test
 * extends it and starts the service with {@code api-key=contract-key}.
 */
public abstract class ServiceBasicsContract {

  public static final String KEY = "contract-key";

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    SharedPostgres.register(registry);
  }

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;

  protected ServiceHttp http() {
    return new ServiceHttp(port, KEY);
  }

  @Test
  void livenessAndReadinessGroupsAreUp() {
    Response liveness = http().get("/actuator/health/liveness");
    assertThat(liveness.status()).isEqualTo(200);
    assertThat(liveness.json().get("status").asString()).isEqualTo("UP");
    Response readiness = http().get("/actuator/health/readiness");
    assertThat(readiness.status()).isEqualTo(200);
    assertThat(readiness.json().get("status").asString()).isEqualTo("UP");
  }

  @Test
  void prometheusExposesJvmAndPoolMetricsTaggedWithTheService() {
    Response r = http().get("/actuator/prometheus");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.raw().body()).contains("jvm_memory_used_bytes").contains("hikaricp_connections");
    assertThat(r.raw().body()).containsPattern("service=\"[a-z]+-service\"");
  }

  @Test
  void theOpenApiDocumentIsPublished() {
    Response r = http().get("/v3/api-docs");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("openapi").asString()).startsWith("3.");
  }

  @Test
  void theLedgerSchemaWasMigratedOnStart() {
    assertThat(
            jdbc.queryForList(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
                String.class))
        .contains(
            "run",
            "run_step",
            "dataset_item",
            "completion",
            "reward",
            "checkpoint",
            "reward_rule",
            "work_item",
            "flyway_schema_history");
  }

  @Test
  void readsNeedTheBearerKeyButProbesDoNot() {
    Response none = http().withKey(null).get("/api/v1/anything");
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.contentType()).startsWith("application/problem+json");
    assertThat(http().withKey(null).get("/actuator/health/readiness").status()).isEqualTo(200);
    assertThat(http().withKey(null).get("/actuator/prometheus").status()).isEqualTo(200);
    assertThat(http().get("/api/v1/anything").status()).isEqualTo(404);
  }

  @Test
  void mutatingEndpointsNeedTheBearerKey() {
    Response none = http().withKey(null).post("/api/v1/anything", "{}");
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.contentType()).startsWith("application/problem+json");
    Response wrong = http().withKey("not-" + KEY).post("/api/v1/anything", "{}");
    assertThat(wrong.status()).isEqualTo(401);
    // spellings the router maps to the same handlers must not skip the key check
    for (String path :
        new String[] {
          "/api;x/v1/anything",
          "/%61pi/v1/anything",
          "//api/v1/anything",
          "/api/v1/../v1/anything",
          "/anything-outside-api"
        }) {
      assertThat(http().withKey(null).post(path, "{}").status()).as(path).isIn(400, 401);
    }
    Response right = http().post("/api/v1/anything", "{}");
    assertThat(right.status()).as("past the key check, an unknown path").isEqualTo(404);
  }

  @Test
  void aRequestTomcatRefusesBeforeAnyServletIsAProblemDocumentToo() throws IOException {
    try (Socket socket = new Socket("localhost", port)) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write("GET /a b c HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(UTF_8));
      String response = new String(socket.getInputStream().readAllBytes(), UTF_8);
      assertThat(response).startsWith("HTTP/1.1 400 ");
      assertThat(response).containsIgnoringCase("content-type: application/problem+json");
      assertThat(response).doesNotContainIgnoringCase("<html");
    }
  }
}
