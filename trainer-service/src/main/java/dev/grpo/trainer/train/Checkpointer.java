package dev.grpo.trainer.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.tokenizer.ModelTokenizer;
import dev.grpo.policy.weights.SafetensorsWeights;
import dev.grpo.trainer.optim.AdamW;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Training checkpoints: one directory holding
 *
 * <ul>
 *   <li>{@code config.json} and {@code model.safetensors}: the policy, Hugging Face names (loadable
 *       by {@link DecoderModel#load} and by transformers); for a LoRA policy instead {@link
 *       LoraCheckpointFiles}: the adapters in PEFT's layout and a reference to the frozen base
 *   <li>{@code optimizer.safetensors}: {@link AdamW#exportState}
 *   <li>{@code trainer_state.json}: {@link TrainingState} (step, seed, data cursor)
 *   <li>{@code reference.safetensors}, only when the reference policy moves during training ({@link
 *       ReferenceSync}): its weights, Hugging Face names
 *   <li>{@code value_model.safetensors} and {@code value_optimizer.safetensors}, only for PPO: the
 *       {@link Critic}'s weights ({@link dev.grpo.trainer.ppo.ValueModel}'s names) and its AdamW
 *       state
 *   <li>{@code manifest.json}: every other file with its size and sha256
 * </ul>
 *
 * The directory is written under a temporary name next to the target, every file and the directory
 * fsynced, then renamed into place, so a crash leaves either no checkpoint or a complete one. The
 * sha256 of {@code manifest.json} identifies the whole checkpoint (it covers every file's digest)
 * and is what the ledger records. Loading re-hashes every file and refuses any mismatch.
 */
public final class Checkpointer {

  public static final String MANIFEST = "manifest.json";
  public static final String OPTIMIZER_FILE = "optimizer.safetensors";
  public static final String STATE_FILE = "trainer_state.json";
  public static final String REFERENCE_FILE = "reference.safetensors";
  public static final String VALUE_MODEL_FILE = "value_model.safetensors";
  public static final String VALUE_OPTIMIZER_FILE = "value_optimizer.safetensors";
  private static final int FORMAT = 1;

  /**
   * A written or verified checkpoint.
   *
   * @param directory where it is
   * @param sha256 hex sha256 of its manifest, the checkpoint's identity
   * @param state the scalar training state
   */
  public record Checkpoint(Path directory, String sha256, TrainingState state) {

    /**
     * Loads the policy: its weights (config and safetensors), or for a LoRA checkpoint the frozen
     * base it refers to with the saved adapters attached.
     */
    public DecoderModel loadModel(Device device) {
      if (LoraCheckpointFiles.isLora(directory)) {
        return LoraCheckpointFiles.load(directory, device);
      }
      return DecoderModel.load(directory, device);
    }

    /**
     * The reference policy saved with this checkpoint, when the run moves its reference; empty
     * means the reference is still the initial policy.
     */
    public Optional<DecoderModel> loadReference(Device device) {
      Path file = directory.resolve(REFERENCE_FILE);
      if (!Files.isRegularFile(file)) {
        return Optional.empty();
      }
      ModelConfig config = ModelConfig.fromJson(directory.resolve(DecoderModel.CONFIG_FILE));
      try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
        Map<String, NDArray> tensors = SafetensorsWeights.readFloat32(file, manager);
        // Decoded arrays view the decoder's direct buffers, and fromWeights' same-device "copy"
        // is a view too: clone into memory libtorch owns before the buffers go with this manager.
        tensors.replaceAll((name, array) -> array.duplicate());
        return Optional.of(DecoderModel.fromWeights(config, tensors, device));
      }
    }

    /**
     * Replaces the critic's weights and optimizer state with the saved ones.
     *
     * @throws CheckpointException when this checkpoint holds no critic (not written by PPO)
     */
    public void restoreCritic(Critic critic) {
      Path weights = directory.resolve(VALUE_MODEL_FILE);
      Path moments = directory.resolve(VALUE_OPTIMIZER_FILE);
      if (!Files.isRegularFile(weights) || !Files.isRegularFile(moments)) {
        throw new CheckpointException("checkpoint " + directory + " holds no value model");
      }
      try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
        critic.restore(
            SafetensorsWeights.readFloat32(weights, manager),
            SafetensorsWeights.read(moments, manager));
      }
    }

    /** Replaces the optimizer's state with the saved one. */
    public void restoreOptimizer(AdamW optimizer) {
      try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
        Map<String, NDArray> state =
            SafetensorsWeights.read(directory.resolve(OPTIMIZER_FILE), manager);
        optimizer.importState(state);
      }
    }
  }

  private Checkpointer() {}

  /**
   * Writes a checkpoint to {@code directory}, which must not exist yet.
   *
   * @return the checkpoint with its sha256
   */
  public static Checkpoint save(
      Path directory, DecoderModel policy, AdamW optimizer, TrainingState state) {
    return save(directory, policy, optimizer, state, null);
  }

  /**
   * Writes a checkpoint with the tokenizer files of {@code tokenizerDir} (when not null), listed in
   * the manifest like the weights, so the checkpoint loads by path like the model folder it came
   * from.
   */
  public static Checkpoint save(
      Path directory,
      DecoderModel policy,
      AdamW optimizer,
      TrainingState state,
      Path tokenizerDir) {
    return save(directory, policy, optimizer, state, tokenizerDir, null);
  }

  /**
   * Writes a checkpoint that also holds {@code reference} (when not null): the reference policy of
   * a run whose reference moves, without which a resumed run could not continue exactly.
   */
  public static Checkpoint save(
      Path directory,
      DecoderModel policy,
      AdamW optimizer,
      TrainingState state,
      Path tokenizerDir,
      DecoderModel reference) {
    return save(directory, policy, optimizer, state, tokenizerDir, reference, null, null);
  }

  /**
   * Writes a checkpoint that also holds PPO's {@code critic} (when not null): its weights and its
   * optimizer's moments, which a resumed run needs as much as the policy's. A LoRA policy ({@link
   * DecoderModel#adapters()} set) is written as its adapters plus a reference to {@code loraBase},
   * the frozen base, which must then be given.
   */
  public static Checkpoint save(
      Path directory,
      DecoderModel policy,
      AdamW optimizer,
      TrainingState state,
      Path tokenizerDir,
      DecoderModel reference,
      Critic critic,
      LoraCheckpointFiles.BaseModel loraBase) {
    if (policy.adapters() != null && loraBase == null) {
      throw new IllegalArgumentException("a LoRA policy's checkpoint needs its base model");
    }
    Path target = directory.toAbsolutePath().normalize();
    if (Files.exists(target)) {
      throw new CheckpointException("checkpoint directory already exists: " + target);
    }
    Path parent = target.getParent();
    Path tmp = parent.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      Files.createDirectories(parent);
      Files.createDirectory(tmp);
      if (policy.adapters() != null) {
        LoraCheckpointFiles.write(policy, loraBase, tmp);
      } else {
        policy.save(tmp);
      }
      try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
        SafetensorsWeights.write(optimizer.exportState(manager), tmp.resolve(OPTIMIZER_FILE));
      }
      Files.writeString(tmp.resolve(STATE_FILE), state.toJson() + "\n", StandardCharsets.UTF_8);
      if (reference != null) {
        SafetensorsWeights.write(reference.parameters(), tmp.resolve(REFERENCE_FILE));
      }
      if (critic != null) {
        SafetensorsWeights.write(critic.model().parameters(), tmp.resolve(VALUE_MODEL_FILE));
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
          SafetensorsWeights.write(
              critic.optimizer().exportState(manager), tmp.resolve(VALUE_OPTIMIZER_FILE));
        }
      }
      if (tokenizerDir != null) {
        ModelTokenizer.copyFiles(tokenizerDir, tmp);
      }
      Map<String, String[]> files = new TreeMap<>();
      for (Path file : listFiles(tmp)) {
        String name = file.getFileName().toString();
        files.put(name, new String[] {sha256(file), Long.toString(Files.size(file))});
      }
      Files.write(tmp.resolve(MANIFEST), manifestJson(files).getBytes(StandardCharsets.UTF_8));
      for (Path file : listFiles(tmp)) {
        fsync(file);
      }
      fsync(tmp);
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException e) {
        throw new CheckpointException("checkpoint directory already exists: " + target, e);
      }
      fsync(parent);
      return new Checkpoint(target, sha256(target.resolve(MANIFEST)), state);
    } catch (IOException e) {
      throw new CheckpointException("cannot write checkpoint " + target + ": " + e, e);
    } finally {
      deleteRecursively(tmp);
    }
  }

  /**
   * Verifies every file of a checkpoint against its manifest and reads the training state.
   *
   * @throws CheckpointException if a file is missing, extra, resized or has another digest
   */
  public static Checkpoint open(Path directory) {
    Path dir = directory.toAbsolutePath().normalize();
    Path manifestPath = dir.resolve(MANIFEST);
    if (!Files.isRegularFile(manifestPath)) {
      throw new CheckpointException("not a checkpoint (no " + MANIFEST + "): " + dir);
    }
    try {
      JsonObject manifest =
          JsonParser.parseString(Files.readString(manifestPath, StandardCharsets.UTF_8))
              .getAsJsonObject();
      if (manifest.get("format").getAsInt() != FORMAT) {
        throw new CheckpointException("unsupported checkpoint format in " + manifestPath);
      }
      JsonObject files = manifest.getAsJsonObject("files");
      for (String name : files.keySet()) {
        Path file = dir.resolve(name);
        if (!Files.isRegularFile(file)) {
          throw new CheckpointException("checkpoint " + dir + " is missing " + name);
        }
        String expected = files.getAsJsonObject(name).get("sha256").getAsString();
        String actual = sha256(file);
        if (!expected.equals(actual)) {
          throw new CheckpointException(
              "checkpoint "
                  + dir
                  + ": sha256 of "
                  + name
                  + " is "
                  + actual
                  + ", the manifest says "
                  + expected);
        }
      }
      for (Path file : listFiles(dir)) {
        String name = file.getFileName().toString();
        if (!name.equals(MANIFEST) && !files.has(name)) {
          throw new CheckpointException(
              "checkpoint " + dir + " has a file the manifest does not list: " + name);
        }
      }
      TrainingState state =
          TrainingState.fromJson(Files.readString(dir.resolve(STATE_FILE), StandardCharsets.UTF_8));
      return new Checkpoint(dir, sha256(manifestPath), state);
    } catch (IOException e) {
      throw new CheckpointException("cannot read checkpoint " + dir + ": " + e, e);
    } catch (RuntimeException e) {
      if (e instanceof CheckpointException) {
        throw e;
      }
      throw new CheckpointException("malformed checkpoint " + dir + ": " + e, e);
    }
  }

  private static String manifestJson(Map<String, String[]> files) {
    JsonObject root = new JsonObject();
    root.addProperty("format", FORMAT);
    root.addProperty("algorithm", "sha256");
    JsonObject list = new JsonObject();
    files.forEach(
        (name, digestAndSize) -> {
          JsonObject entry = new JsonObject();
          entry.addProperty("sha256", digestAndSize[0]);
          entry.addProperty("bytes", Long.parseLong(digestAndSize[1]));
          list.add(name, entry);
        });
    root.add("files", list);
    return new GsonBuilder().setPrettyPrinting().create().toJson(root) + "\n";
  }

  private static List<Path> listFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }

  /** Hex sha256 of a file's bytes. */
  public static String sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[1 << 16];
      int n;
      while ((n = in.read(buffer)) > 0) {
        digest.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }

  private static void fsync(Path path) throws IOException {
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // Some platforms cannot open or sync a directory; the files themselves were synced.
      if (!Files.isDirectory(path)) {
        throw e;
      }
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
      // best effort: a leftover hidden temp directory is never mistaken for a checkpoint
    }
  }
}
