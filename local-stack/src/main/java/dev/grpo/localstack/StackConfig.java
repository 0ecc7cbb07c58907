package dev.grpo.localstack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Where the local stack lives and which ports it uses. Every port can be moved with an environment
 * variable, so two stacks (or a stack and a test) can share a machine.
 *
 * @param home the repository root, where the service jars are built
 * @param stateDir PostgreSQL's data directory and the services' logs live here, across restarts
 * @param apiKey the key printed for the user; {@code GRPO_API_KEY} when set, otherwise generated
 * @param generatedKey whether the key was generated for this start
 * @param startTimeout how long a service may take to become ready ({@code GRPO_START_TIMEOUT},
 *     seconds)
 * @param extraEnv environment every service gets on top of the stack's own (and may override it
 *     with): a test's short leases, a developer's log levels; empty from {@link #fromEnvironment}
 */
record StackConfig(
    Path home,
    Path stateDir,
    int pgPort,
    List<ServiceSpec> services,
    String apiKey,
    boolean generatedKey,
    String javaOptions,
    Duration startTimeout,
    Map<String, String> extraEnv) {

  StackConfig {
    extraEnv = Map.copyOf(extraEnv);
  }

  /** One service of the stack: its module (and jar) name and port. */
  record ServiceSpec(String name, int port) {
    Path jar(Path home) {
      return home.resolve(name).resolve("target").resolve(name + ".jar");
    }

    String url() {
      return "http://localhost:" + port;
    }
  }

  static StackConfig fromEnvironment(Map<String, String> env) {
    Path home = Path.of(env.getOrDefault("GRPO_HOME", ".")).toAbsolutePath().normalize();
    if (!Files.isRegularFile(home.resolve("pom.xml"))) {
      throw new IllegalArgumentException(
          "GRPO_HOME (" + home + ") is not the platform's checkout: there is no pom.xml");
    }
    Path state =
        Path.of(env.getOrDefault("GRPO_STATE_DIR", home.resolve(".grpo").toString()))
            .toAbsolutePath();
    String key = env.get("GRPO_API_KEY");
    boolean generated = key == null || key.isBlank();
    if (generated) {
      byte[] bytes = new byte[24];
      new SecureRandom().nextBytes(bytes);
      key = "grpo_" + HexFormat.of().formatHex(bytes);
    }
    List<ServiceSpec> services =
        List.of(
            new ServiceSpec("trainer-service", port(env, "GRPO_TRAINER_PORT", 8081)),
            new ServiceSpec("rollout-service", port(env, "GRPO_ROLLOUT_PORT", 8082)),
            new ServiceSpec("reward-service", port(env, "GRPO_REWARD_PORT", 8083)));
    return new StackConfig(
        home,
        state,
        port(env, "GRPO_PG_PORT", 5433),
        services,
        key,
        generated,
        env.getOrDefault("GRPO_JAVA_OPTS", "-Xmx2g"),
        Duration.ofSeconds(positive(env, "GRPO_START_TIMEOUT", 300)),
        Map.of());
  }

  /** This configuration with {@code env} added to every service's environment. */
  StackConfig withExtraEnv(Map<String, String> env) {
    Map<String, String> merged = new HashMap<>(extraEnv);
    merged.putAll(env);
    return new StackConfig(
        home, stateDir, pgPort, services, apiKey, generatedKey, javaOptions, startTimeout, merged);
  }

  /** The service called {@code name}. */
  ServiceSpec service(String name) {
    return services.stream()
        .filter(s -> s.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("the stack has no service " + name));
  }

  private static int positive(Map<String, String> env, String name, int fallback) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(value.trim());
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        name + " must be a positive number of seconds, was '" + value + "'");
  }

  private static int port(Map<String, String> env, String name, int fallback) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      int port = Integer.parseInt(value.trim());
      if (port > 0 && port < 65536) {
        return port;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        name + " must be a port number from 1 to 65535, was '" + value + "'");
  }
}
