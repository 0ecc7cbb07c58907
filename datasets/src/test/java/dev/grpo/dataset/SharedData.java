package dev.grpo.dataset;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** The project's outside data folder ({@code ../shared/data}), when this checkout has it. */
final class SharedData {

  private SharedData() {}

  /** The file under {@code shared/data/datasets/}, or the test is skipped with the reason. */
  static Path dataset(String relative) {
    Path root = Path.of("").toAbsolutePath();
    for (Path dir = root; dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("shared/data/datasets").resolve(relative);
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
      Path sibling = dir.resolveSibling("shared").resolve("data/datasets").resolve(relative);
      if (Files.isRegularFile(sibling)) {
        return sibling;
      }
    }
    assumeTrue(false, "skipped: ../shared/data/datasets/" + relative + " is absent");
    return null;
  }

  /** A sample shipped in this module's test resources. */
  static Path sample(String name) throws Exception {
    return Path.of(SharedData.class.getResource("/datasets/" + name).toURI());
  }
}
