package dev.grpo.trainer.train;

import ai.djl.Device;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.grpo.policy.lora.LoraAdapters;
import dev.grpo.policy.lora.PeftAdapterFiles;
import dev.grpo.policy.model.DecoderModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The policy part of a LoRA checkpoint: the adapters in PEFT's layout ({@code adapter_config.json},
 * {@code adapter_model.safetensors}) and {@code lora_base.json}, a reference to the frozen base
 * (its directory and the sha256 of its weights), which is never copied per checkpoint. Loading
 * refuses a base whose weights are not the ones the adapters were trained on.
 */
public final class LoraCheckpointFiles {

  public static final String BASE_FILE = "lora_base.json";

  /**
   * The frozen base of a LoRA policy.
   *
   * @param dir its model directory ({@code config.json} and safetensors weights)
   * @param sha256 hex sha256 over its safetensors weight files, in name order
   */
  public record BaseModel(Path dir, String sha256) {

    /** The base at {@code dir}, its weights hashed now. */
    public static BaseModel of(Path dir) {
      Path abs = dir.toAbsolutePath().normalize();
      return new BaseModel(abs, weightsSha256(abs));
    }
  }

  private LoraCheckpointFiles() {}

  /** Writes the policy's adapters and the base reference into {@code dir}. */
  static void write(DecoderModel policy, BaseModel base, Path dir) throws IOException {
    LoraAdapters adapters = policy.adapters();
    if (adapters == null) {
      throw new IllegalArgumentException("the policy has no LoRA adapters");
    }
    PeftAdapterFiles.write(adapters, base.dir().toString(), dir);
    JsonObject ref = new JsonObject();
    ref.addProperty("path", base.dir().toString());
    ref.addProperty("sha256", base.sha256());
    Files.writeString(
        dir.resolve(BASE_FILE),
        new GsonBuilder().setPrettyPrinting().create().toJson(ref) + "\n",
        StandardCharsets.UTF_8);
  }

  /** Whether a checkpoint directory holds a LoRA policy. */
  static boolean isLora(Path dir) {
    return Files.isRegularFile(dir.resolve(BASE_FILE));
  }

  /** The base a LoRA checkpoint refers to, as recorded. */
  static BaseModel base(Path dir) {
    try {
      JsonObject o =
          JsonParser.parseString(Files.readString(dir.resolve(BASE_FILE), StandardCharsets.UTF_8))
              .getAsJsonObject();
      return new BaseModel(Path.of(o.get("path").getAsString()), o.get("sha256").getAsString());
    } catch (IOException e) {
      throw new CheckpointException("cannot read " + dir.resolve(BASE_FILE) + ": " + e, e);
    }
  }

  /**
   * The frozen base with the checkpoint's adapters attached.
   *
   * @throws CheckpointException when the base's weights are gone or differ from the recorded ones
   */
  static DecoderModel load(Path dir, Device device) {
    BaseModel recorded = base(dir);
    String actual;
    try {
      actual = weightsSha256(recorded.dir());
    } catch (UncheckedIOException e) {
      throw new CheckpointException(
          "checkpoint " + dir + ": its base model " + recorded.dir() + " cannot be read", e);
    }
    if (!actual.equals(recorded.sha256())) {
      throw new CheckpointException(
          "checkpoint %s: the base model at %s has weights with sha256 %s, the adapters were trained on %s"
              .formatted(dir, recorded.dir(), actual, recorded.sha256()));
    }
    DecoderModel model = DecoderModel.load(recorded.dir(), device);
    try {
      model.attachAdapters(PeftAdapterFiles.read(dir, model.config(), device));
      return model;
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /** sha256 over the bytes of every {@code *.safetensors} file of a model directory, by name. */
  static String weightsSha256(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> weights =
          files.filter(f -> f.getFileName().toString().endsWith(".safetensors")).sorted().toList();
      if (weights.isEmpty()) {
        throw new UncheckedIOException(new IOException("no safetensors weights in " + dir));
      }
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[1 << 16];
      for (Path f : weights) {
        try (InputStream in = Files.newInputStream(f)) {
          int n;
          while ((n = in.read(buffer)) > 0) {
            digest.update(buffer, 0, n);
          }
        }
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the weights of " + dir, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }
}
