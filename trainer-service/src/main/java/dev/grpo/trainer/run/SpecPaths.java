package dev.grpo.trainer.run;

import dev.grpo.api.problem.FieldProblem;
import dev.grpo.api.run.RunSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Confines a spec's file paths ({@code data.path}, {@code model.path}) to configured roots. A path
 * is resolved as the trainer will open it, symlinks and {@code ..} included ({@link
 * Path#toRealPath}), and must then lie inside one root's real path. A problem names the field and
 * the reason only: never the resolved path, nor anything read from the file.
 */
final class SpecPaths {

  private final List<Path> dataRoots;
  private final List<Path> modelRoots;

  SpecPaths(List<Path> dataRoots, List<Path> modelRoots) {
    this.dataRoots = List.copyOf(dataRoots);
    this.modelRoots = List.copyOf(modelRoots);
  }

  /**
   * The problems of the spec's paths. Roots are resolved on every call: one may come into being
   * after the trainer started (the data dir is created by the first run that writes to it).
   */
  List<FieldProblem> problems(RunSpec spec) {
    List<FieldProblem> problems = new ArrayList<>();
    if (spec.data().path() != null) {
      check("data.path", spec.data().path(), realRoots(dataRoots), false).ifPresent(problems::add);
    }
    if (spec.model().path() != null) {
      check("model.path", spec.model().path(), realRoots(modelRoots), true)
          .ifPresent(problems::add);
    }
    if (spec.rewardModel() != null) {
      check("rewardModel.path", spec.rewardModel().path(), realRoots(dataRoots), false)
          .ifPresent(problems::add);
      if (spec.rewardModel().parentCheckpoint() != null) {
        check(
                "rewardModel.parentCheckpoint",
                spec.rewardModel().parentCheckpoint(),
                realRoots(modelRoots),
                true)
            .ifPresent(problems::add);
      }
    }
    return problems;
  }

  private static Optional<FieldProblem> check(
      String field, String given, List<Path> roots, boolean directory) {
    Path real;
    try {
      real = Path.of(given).toRealPath();
    } catch (InvalidPathException e) {
      return Optional.of(new FieldProblem(field, "is not a valid path"));
    } catch (IOException e) {
      return Optional.of(new FieldProblem(field, "does not exist or cannot be read"));
    }
    if (roots.stream().noneMatch(real::startsWith)) {
      return Optional.of(
          new FieldProblem(
              field,
              "is outside the folders this trainer may read ("
                  + (directory ? "grpo.trainer.model-roots" : "grpo.trainer.data-roots")
                  + ")"));
    }
    if (directory && !Files.isDirectory(real)) {
      return Optional.of(new FieldProblem(field, "must be a model directory"));
    }
    if (!directory && !Files.isRegularFile(real)) {
      return Optional.of(new FieldProblem(field, "must be a file"));
    }
    if (!Files.isReadable(real)) {
      return Optional.of(new FieldProblem(field, "does not exist or cannot be read"));
    }
    return Optional.empty();
  }

  /** Roots that exist, as real paths; a root that does not exist admits nothing. */
  private static List<Path> realRoots(List<Path> roots) {
    List<Path> real = new ArrayList<>();
    for (Path root : roots) {
      try {
        real.add(root.toRealPath());
      } catch (IOException e) {
        // absent root: nothing can be inside it
      }
    }
    return List.copyOf(real);
  }
}
