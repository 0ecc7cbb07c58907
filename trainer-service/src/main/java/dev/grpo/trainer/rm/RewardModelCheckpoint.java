package dev.grpo.trainer.rm;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.grpo.policy.reward.RewardModel;
import dev.grpo.policy.tokenizer.ModelTokenizer;
import dev.grpo.trainer.train.CheckpointException;
import dev.grpo.trainer.train.Checkpointer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A reward-model checkpoint: the {@link RewardModel} folder (backbone {@code config.json} and
 * {@code model.safetensors}, head {@value RewardModel#HEAD_FILE}), the tokenizer files of a model
 * loaded by path, {@value #LINEAGE_FILE} (the run, its spec, the parent checkpoint and the data it
 * learned from) and a {@code manifest.json} with every file's sha256, whose own sha256 identifies
 * the checkpoint. Written under a temporary name and renamed into place, so a crash leaves no half
 * checkpoint.
 */
public final class RewardModelCheckpoint {

  /** The lineage file inside a reward-model checkpoint. */
  public static final String LINEAGE_FILE = "lineage.json";

  /**
   * @param sha256 the manifest's sha256, the checkpoint's identity
   */
  public record Written(Path directory, String sha256) {}

  private RewardModelCheckpoint() {}

  /**
   * Writes {@code model} to {@code directory}, replacing what an earlier attempt of the same run
   * left there.
   *
   * @param tokenizerDir the folder of the model's tokenizer files, or null for the presets'
   *     character tokenizer
   */
  public static Written save(
      Path directory, RewardModel model, JsonObject lineage, Path tokenizerDir) {
    Path target = directory.toAbsolutePath().normalize();
    Path parent = target.getParent();
    Path tmp = parent.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      Files.createDirectories(parent);
      Files.createDirectory(tmp);
      model.save(tmp);
      if (tokenizerDir != null) {
        ModelTokenizer.copyFiles(tokenizerDir, tmp);
      }
      Files.writeString(
          tmp.resolve(LINEAGE_FILE),
          new GsonBuilder().setPrettyPrinting().create().toJson(lineage) + "\n",
          StandardCharsets.UTF_8);
      JsonObject files = new JsonObject();
      for (Path file : list(tmp)) {
        JsonObject entry = new JsonObject();
        entry.addProperty("sha256", Checkpointer.sha256(file));
        entry.addProperty("bytes", Files.size(file));
        files.add(file.getFileName().toString(), entry);
      }
      JsonObject manifest = new JsonObject();
      manifest.addProperty("format", 1);
      manifest.addProperty("algorithm", "sha256");
      manifest.add("files", files);
      Files.writeString(
          tmp.resolve(Checkpointer.MANIFEST),
          new GsonBuilder().setPrettyPrinting().create().toJson(manifest) + "\n",
          StandardCharsets.UTF_8);
      deleteRecursively(target);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      return new Written(target, Checkpointer.sha256(target.resolve(Checkpointer.MANIFEST)));
    } catch (IOException e) {
      throw new CheckpointException("cannot write reward-model checkpoint " + target + ": " + e, e);
    } finally {
      deleteRecursively(tmp);
    }
  }

  private static List<Path> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new CheckpointException("cannot replace " + dir + ": " + e, e);
    }
  }
}
