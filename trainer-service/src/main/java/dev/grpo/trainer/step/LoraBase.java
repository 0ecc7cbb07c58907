package dev.grpo.trainer.step;

import dev.grpo.api.run.RunSpec;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.trainer.train.LoraCheckpointFiles.BaseModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * The frozen base of a LoRA run, which its checkpoints and published adapters refer to: the model
 * directory of {@code model.path}, or for a preset the base weights written once into the run
 * directory ({@code base/}), since a preset's random initialisation has no file of its own.
 */
final class LoraBase {

  private final Path dir;
  private final boolean preset;
  private BaseModel reference;

  private LoraBase(Path dir, boolean preset) {
    this.dir = dir;
    this.preset = preset;
  }

  /** The run's base, or null when the run trains every weight. */
  static LoraBase of(RunSpec spec, RunDirectory runDir) {
    if (spec.model().lora() == null) {
      return null;
    }
    return spec.model().path() != null
        ? new LoraBase(Path.of(spec.model().path()).toAbsolutePath().normalize(), false)
        : new LoraBase(runDir.root().resolve("lora-base"), true);
  }

  /** The base directory. */
  Path dir() {
    return dir;
  }

  /**
   * The reference to the base (directory and weights sha256, hashed once per run); a preset's base
   * is written first from the policy's own (frozen) weights when missing.
   */
  synchronized BaseModel reference(DecoderModel policy) {
    if (reference == null) {
      if (preset && !Files.isRegularFile(dir.resolve(DecoderModel.WEIGHTS_FILE))) {
        writePresetBase(policy);
      }
      reference = BaseModel.of(dir);
    }
    return reference;
  }

  private void writePresetBase(DecoderModel policy) {
    Path tmp = dir.resolveSibling("." + dir.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      Files.createDirectories(dir.getParent());
      policy.save(tmp); // the base parameters only: adapters are not parameters()
      RunDirectory.deleteRecursively(dir);
      Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      RunDirectory.deleteRecursively(tmp);
      throw new UncheckedIOException("cannot write the LoRA base to " + dir, e);
    }
  }
}
