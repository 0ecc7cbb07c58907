package dev.grpo.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The compiled main classes of every module of the build, read from each module's {@code
 * target/classes}. The reactor builds every module before this one (they are its pom-type
 * dependencies), so a missing directory means a module was not built, not that it is empty.
 */
final class ProductionClasses {

  private static JavaClasses cached;

  private ProductionClasses() {}

  static synchronized JavaClasses all() {
    if (cached == null) {
      cached = new ClassFileImporter().importPaths(classDirectories());
    }
    return cached;
  }

  static List<Path> classDirectories() {
    Path root = Path.of("").toAbsolutePath().getParent();
    List<Path> dirs = new ArrayList<>();
    try (Stream<Path> poms = Files.walk(root, 3)) {
      poms.filter(p -> p.getFileName().toString().equals("pom.xml"))
          .map(Path::getParent)
          .filter(dir -> !dir.equals(root) && !dir.endsWith("architecture-tests"))
          .filter(dir -> !dir.toString().contains("/target/") && !dir.toString().contains("/."))
          .filter(ProductionClasses::isJarModule)
          .sorted()
          .forEach(
              dir -> {
                Path classes = dir.resolve("target/classes");
                if (!Files.isDirectory(classes)) {
                  throw new IllegalStateException(
                      classes + " is missing: build the whole reactor (./mvnw verify) first");
                }
                dirs.add(classes);
              });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (dirs.size() < 8) {
      throw new IllegalStateException("found only " + dirs + " under " + root);
    }
    return dirs;
  }

  private static boolean isJarModule(Path dir) {
    try {
      return !Files.readString(dir.resolve("pom.xml")).contains("<packaging>pom</packaging>")
          && Files.isDirectory(dir.resolve("src/main/java"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
