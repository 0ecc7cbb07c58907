package dev.grpo.testsupport;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * One real PostgreSQL per test JVM, shared by every test class: a Testcontainers PostgreSQL where a
 * Docker engine answers, otherwise an embedded PostgreSQL 17 (zonky) started from Maven Central
 * binaries. Each caller gets a database of its own on that server, so test classes never see each
 * other's rows while paying the server start only once.
 *
 * <p>{@code GRPO_TEST_JDBC_URL} (with {@code GRPO_TEST_JDBC_USER}/{@code GRPO_TEST_JDBC_PASSWORD})
 * points the tests at an existing server instead.
 */
public final class SharedPostgres {

  /** Where the shared server is and how to log in as a superuser. */
  public record Server(String host, int port, String user, String password, String kind) {

    public String jdbcUrl(String database) {
      return "jdbc:postgresql://%s:%d/%s".formatted(host, port, database);
    }
  }

  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static Server server;

  private SharedPostgres() {}

  /** The server, started on first use and stopped when the JVM exits. */
  public static synchronized Server server() {
    if (server == null) {
      server = start();
    }
    return server;
  }

  /** Creates a fresh, empty database on the shared server and returns its JDBC URL. */
  public static String newDatabase() {
    Server s = server();
    String name = "grpo_test_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
    try (Connection c = DriverManager.getConnection(s.jdbcUrl("postgres"), s.user(), s.password());
        Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create test database " + name, e);
    }
    return s.jdbcUrl(name);
  }

  /** Points a Spring test context at a fresh database of the shared server. */
  public static void register(DynamicPropertyRegistry registry) {
    String url = newDatabase();
    Server s = server();
    registry.add("spring.datasource.url", () -> url);
    registry.add("spring.datasource.username", s::user);
    registry.add("spring.datasource.password", s::password);
  }

  private static Server start() {
    String external = System.getenv("GRPO_TEST_JDBC_URL");
    if (external != null && !external.isBlank()) {
      return external(external);
    }
    if (dockerAvailable()) {
      PostgreSQLContainer container = new PostgreSQLContainer("postgres:17-alpine");
      container.start();
      Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "stop-test-postgres"));
      return new Server(
          container.getHost(),
          container.getFirstMappedPort(),
          container.getUsername(),
          container.getPassword(),
          "testcontainers");
    }
    try {
      EmbeddedPostgres pg =
          EmbeddedPostgres.builder()
              .setServerConfig("max_connections", "300")
              .setServerConfig("fsync", "off")
              .setServerConfig("synchronous_commit", "off")
              .start();
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      pg.close();
                    } catch (IOException e) {
                      // the JVM is going away; the data directory is a temp dir
                    }
                  },
                  "stop-test-postgres"));
      return new Server("localhost", pg.getPort(), "postgres", "postgres", "embedded");
    } catch (IOException e) {
      throw new IllegalStateException("cannot start embedded PostgreSQL", e);
    }
  }

  private static Server external(String url) {
    java.net.URI uri = java.net.URI.create(url.substring("jdbc:".length()));
    return new Server(
        uri.getHost(),
        uri.getPort() < 0 ? 5432 : uri.getPort(),
        System.getenv().getOrDefault("GRPO_TEST_JDBC_USER", "postgres"),
        System.getenv().getOrDefault("GRPO_TEST_JDBC_PASSWORD", "postgres"),
        "external");
  }

  private static boolean dockerAvailable() {
    // asking Testcontainers when no engine is configured only logs a page of errors
    if (System.getenv("DOCKER_HOST") == null
        && !java.nio.file.Files.exists(java.nio.file.Path.of("/var/run/docker.sock"))) {
      return false;
    }
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (Throwable e) {
      return false;
    }
  }
}
