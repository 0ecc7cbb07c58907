package dev.grpo.localstack;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds Prometheus' {@code prometheus} and {@code promtool} on the {@code PATH} (Debian's {@code
 * prometheus} package, which {@code .ci/run} installs). A test that needs one fails when it is
 * missing, naming the package, so CI cannot pass without checking the alerts and the dashboard;
 * {@code -Dgrpo.prometheus.optional=true} turns that failure into a skipped test for machines
 * without it.
 */
final class PrometheusBinaries {

  static final String OPTIONAL = "grpo.prometheus.optional";

  private PrometheusBinaries() {}

  static Path prometheus() {
    return require("prometheus");
  }

  static Path promtool() {
    return require("promtool");
  }

  /** The executable on the PATH, if there is one. */
  static Optional<Path> find(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir).resolve(name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  static String missing(String name) {
    return name
        + " is not on the PATH: install Debian's prometheus package (`apt-get install -y"
        + " --no-install-recommends prometheus`; .ci/run does), or pass -D"
        + OPTIONAL
        + "=true to skip the tests that need it";
  }

  /** Fails the calling test (or skips it, with -Dgrpo.prometheus.optional=true) when absent. */
  static Path require(String name) {
    Optional<Path> found = find(name);
    if (found.isPresent()) {
      return found.get();
    }
    if (Boolean.getBoolean(OPTIONAL)) {
      Assumptions.abort(missing(name));
    }
    return Assertions.fail(missing(name));
  }
}
