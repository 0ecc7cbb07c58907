package dev.grpo.localstack;

import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds Debian's {@code chromium} and {@code chromedriver} (packages {@code chromium} and {@code
 * chromium-driver}, which {@code .ci/run} installs) on the {@code PATH}. The browser test fails
 * when either is missing, naming the packages, so CI cannot pass without driving the console;
 * {@code -Dgrpo.browser.optional=true} turns that failure into a skipped test. Nothing is ever
 * downloaded.
 */
final class ChromiumBinaries {

  static final String OPTIONAL = "grpo.browser.optional";

  /** The browser and its driver. */
  record Found(Path chromium, Path driver) {}

  private ChromiumBinaries() {}

  static String missing(String name) {
    return name
        + " is not on the PATH: install Debian's chromium and chromium-driver packages (`apt-get"
        + " install -y --no-install-recommends chromium chromium-driver`; .ci/run does), or pass -D"
        + OPTIONAL
        + "=true to skip the browser test";
  }

  /** Both binaries; fails the calling test (or skips it, with the property) when one is absent. */
  static Found require() {
    return require(PrometheusBinaries::find);
  }

  /** As {@link #require()}, looking executables up with {@code find}. */
  static Found require(Function<String, Optional<Path>> find) {
    Optional<Path> chromium = find.apply("chromium");
    Optional<Path> driver = find.apply("chromedriver");
    String absent =
        chromium.isEmpty()
            ? missing("chromium")
            : driver.isEmpty() ? missing("chromedriver") : null;
    if (absent == null) {
      return new Found(chromium.get(), driver.get());
    }
    if (Boolean.getBoolean(OPTIONAL)) {
      Assumptions.abort(absent);
    }
    return Assertions.fail(absent);
  }
}
