package dev.grpo.trainer.step;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/** Where a run's files live under the data directory: its checkpoints and published weights. */
record RunDirectory(Path root) {

  static RunDirectory of(Path dataDir, UUID runId) {
    return new RunDirectory(
        dataDir.toAbsolutePath().normalize().resolve("runs").resolve(runId.toString()));
  }

  Path checkpoint(long step) {
    return root.resolve("checkpoints").resolve("step-%06d".formatted(step));
  }

  Path policies() {
    return root.resolve("policy");
  }

  Path policy(long version) {
    return policies().resolve("v" + version);
  }

  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }
}
