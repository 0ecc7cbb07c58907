package dev.grpo.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** Without chromium the browser test fails, naming the packages, unless told it may skip. */
class ChromiumBinariesTest {

  @Test
  void aMissingBrowserOrDriverFailsNamingThePackages() {
    assertThatThrownBy(() -> ChromiumBinaries.require(name -> Optional.empty()))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageStartingWith("chromium is not on the PATH")
        .hasMessageContaining("apt-get install -y --no-install-recommends chromium chromium-driver")
        .hasMessageContaining("-Dgrpo.browser.optional=true");
    assertThatThrownBy(
            () ->
                ChromiumBinaries.require(
                    name ->
                        name.equals("chromium")
                            ? Optional.of(Path.of("/usr/bin/chromium"))
                            : Optional.empty()))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageStartingWith("chromedriver is not on the PATH");
  }

  @Test
  void withTheOptionalPropertyItIsSkippedInstead() {
    System.setProperty(ChromiumBinaries.OPTIONAL, "true");
    try {
      assertThatThrownBy(() -> ChromiumBinaries.require(name -> Optional.empty()))
          .isInstanceOf(TestAbortedException.class)
          .hasMessageContaining("chromium is not on the PATH");
    } finally {
      System.clearProperty(ChromiumBinaries.OPTIONAL);
    }
  }

  @Test
  void bothFoundAreReturned() {
    ChromiumBinaries.Found found =
        ChromiumBinaries.require(name -> Optional.of(Path.of("/opt/bin", name)));
    assertThat(found.chromium()).isEqualTo(Path.of("/opt/bin/chromium"));
    assertThat(found.driver()).isEqualTo(Path.of("/opt/bin/chromedriver"));
  }
}
