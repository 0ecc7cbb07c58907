package dev.grpo.trainer;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** The project's outside data ({@code ../shared/data}: datasets, tokenizers), when present. */
public final class SharedData {

  private SharedData() {}

  /**
   * The file or folder under {@code shared/data/}, or the test is skipped saying what is absent.
   */
  public static Path path(String relative) {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("shared/data").resolve(relative);
      if (Files.exists(candidate)) {
        return candidate;
      }
    }
    assumeTrue(false, "skipped: shared/data/" + relative + " is absent in this checkout");
    return null;
  }
}
