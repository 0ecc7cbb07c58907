package dev.grpo.trainer.rm;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.grpo.policy.reward.RewardModel;
import dev.grpo.policy.tokenizer.ModelTokenizer;
import dev.grpo.policy.weights.SafetensorsWeights;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.train.CheckpointException;
import dev.grpo.trainer.train.Checkpointer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
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
    return save(directory, model, lineage, tokenizerDir, null);
  }

  /**
   * As {@link #save(Path, RewardModel, JsonObject, Path)}, with the optimizer's moments in {@value
   * Checkpointer#OPTIMIZER_FILE} when {@code optimizer} is not null: what a run taken over after
   * this epoch resumes from.
   */
  public static Written save(
      Path directory, RewardModel model, JsonObject lineage, Path tokenizerDir, AdamW optimizer) {
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
      if (optimizer != null) {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
          SafetensorsWeights.write(
              optimizer.exportState(manager), tmp.resolve(Checkpointer.OPTIMIZER_FILE));
        }
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

  /**
   * Why the checkpoint in {@code directory} cannot be resumed from, or null when it can: its
   * manifest's sha256 is the one the ledger recorded, it holds the optimizer's moments, and its
   * lineage names the data file of this sha256 (a changed file is another run's data).
   */
  public static String notResumable(Path directory, String recordedSha256, String dataSha256) {
    Path manifest = directory.resolve(Checkpointer.MANIFEST);
    if (!Files.isRegularFile(manifest)) {
      return "no " + Checkpointer.MANIFEST + " in " + directory;
    }
    if (!Checkpointer.sha256(manifest).equals(recordedSha256)) {
      return directory + " is not the checkpoint the ledger recorded (manifest sha256 differs)";
    }
    if (!Files.isRegularFile(directory.resolve(Checkpointer.OPTIMIZER_FILE))) {
      return directory + " holds no optimizer state";
    }
    try {
      String data =
          JsonParser.parseString(
                  Files.readString(directory.resolve(LINEAGE_FILE), StandardCharsets.UTF_8))
              .getAsJsonObject()
              .getAsJsonObject("data")
              .get("sha256")
              .getAsString();
      return data.equals(dataSha256) ? null : "the preference file changed since " + directory;
    } catch (IOException | RuntimeException e) {
      return "cannot read the lineage of " + directory + ": " + e;
    }
  }

  /** Replaces {@code optimizer}'s state with the moments saved in {@code directory}. */
  public static void restoreOptimizer(Path directory, AdamW optimizer) {
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      Map<String, NDArray> state =
          SafetensorsWeights.read(directory.resolve(Checkpointer.OPTIMIZER_FILE), manager);
      optimizer.importState(state);
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
