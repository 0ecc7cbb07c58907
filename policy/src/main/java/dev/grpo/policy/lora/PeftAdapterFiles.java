package dev.grpo.policy.lora;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.weights.SafetensorsWeights;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * PEFT's on-disk layout of a LoRA adapter, the one vLLM's {@code /v1/load_lora_adapter}, SGLang's
 * {@code /load_lora_adapter} and {@code PeftModel.from_pretrained} read: {@code
 * adapter_config.json} ({@code peft_type} LORA, {@code r}, {@code lora_alpha}, {@code
 * lora_dropout}, {@code target_modules}, {@code base_model_name_or_path}, {@code task_type}
 * CAUSAL_LM, {@code bias} none, ...) and {@code adapter_model.safetensors} with the tensors under
 * PEFT's names ({@link LoraAdapters#loraAName}).
 */
public final class PeftAdapterFiles {

  public static final String CONFIG_FILE = "adapter_config.json";
  public static final String WEIGHTS_FILE = "adapter_model.safetensors";

  private PeftAdapterFiles() {}

  /** Whether {@code dir} holds a PEFT adapter. */
  public static boolean isAdapter(Path dir) {
    return Files.isRegularFile(dir.resolve(CONFIG_FILE))
        && Files.isRegularFile(dir.resolve(WEIGHTS_FILE));
  }

  /**
   * Writes both files into {@code dir} (created when missing).
   *
   * @param baseModel {@code base_model_name_or_path}: the base model's directory (or hub name)
   */
  public static void write(LoraAdapters adapters, String baseModel, Path dir) {
    try {
      Files.createDirectories(dir);
      Files.writeString(
          dir.resolve(CONFIG_FILE),
          configJson(adapters.config(), baseModel) + "\n",
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dir.resolve(CONFIG_FILE), e);
    }
    SafetensorsWeights.write(adapters.parameters(), dir.resolve(WEIGHTS_FILE));
  }

  /** PEFT's {@code adapter_config.json} for a plain LoRA on a causal LM. */
  static String configJson(LoraConfig lora, String baseModel) {
    JsonObject o = new JsonObject();
    o.add("alpha_pattern", new JsonObject());
    o.add("auto_mapping", JsonNull.INSTANCE);
    o.addProperty("base_model_name_or_path", baseModel);
    o.addProperty("bias", "none");
    o.addProperty("fan_in_fan_out", false);
    o.addProperty("inference_mode", true);
    o.addProperty("init_lora_weights", true);
    o.add("layers_pattern", JsonNull.INSTANCE);
    o.add("layers_to_transform", JsonNull.INSTANCE);
    o.addProperty("lora_alpha", number(lora.alpha()));
    o.addProperty("lora_dropout", lora.dropout());
    o.add("modules_to_save", JsonNull.INSTANCE);
    o.addProperty("peft_type", "LORA");
    o.addProperty("r", lora.rank());
    o.add("rank_pattern", new JsonObject());
    o.add("revision", JsonNull.INSTANCE);
    JsonArray targets = new JsonArray();
    // PEFT saves target_modules as a set; sorted, so equal configs write equal files
    lora.targetModules().stream().sorted().forEach(targets::add);
    o.add("target_modules", targets);
    o.addProperty("task_type", "CAUSAL_LM");
    o.addProperty("use_dora", false);
    o.addProperty("use_rslora", false);
    return new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(o);
  }

  private static Number number(double value) {
    return value == Math.rint(value) && Math.abs(value) < 1e15 ? (Number) (long) value : value;
  }

  /** Reads the LoRA settings of an {@code adapter_config.json}. */
  public static LoraConfig readConfig(Path dir) {
    JsonObject o = configObject(dir);
    String type = o.has("peft_type") ? o.get("peft_type").getAsString() : null;
    if (!"LORA".equals(type)) {
      throw new IllegalArgumentException(dir + ": peft_type is " + type + ", not LORA");
    }
    for (String unsupported : List.of("use_dora", "use_rslora", "fan_in_fan_out")) {
      if (o.has(unsupported) && !o.get(unsupported).isJsonNull()) {
        if (o.get(unsupported).getAsBoolean()) {
          throw new IllegalArgumentException(dir + ": " + unsupported + " is not supported");
        }
      }
    }
    if (o.has("bias") && !"none".equals(o.get("bias").getAsString())) {
      throw new IllegalArgumentException(dir + ": only bias none is supported");
    }
    JsonElement targets = o.get("target_modules");
    List<String> modules = new ArrayList<>();
    if (targets != null && targets.isJsonArray()) {
      targets.getAsJsonArray().forEach(t -> modules.add(t.getAsString()));
    } else if (targets != null && targets.isJsonPrimitive()) {
      throw new IllegalArgumentException(dir + ": a target_modules regex is not supported");
    }
    double dropout = o.has("lora_dropout") ? o.get("lora_dropout").getAsDouble() : 0;
    return new LoraConfig(
        o.get("r").getAsInt(), o.get("lora_alpha").getAsDouble(), dropout, modules);
  }

  /** {@code base_model_name_or_path} of an {@code adapter_config.json}, or null. */
  public static String baseModel(Path dir) {
    JsonElement e = configObject(dir).get("base_model_name_or_path");
    return e == null || e.isJsonNull() ? null : e.getAsString();
  }

  /** Loads an adapter written in PEFT's layout for a base model of the given shape. */
  public static LoraAdapters read(Path dir, ModelConfig model, Device device) {
    LoraConfig lora = readConfig(dir);
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      Map<String, NDArray> tensors =
          SafetensorsWeights.readFloat32(dir.resolve(WEIGHTS_FILE), manager);
      return LoraAdapters.fromTensors(model, lora, tensors, device);
    }
  }

  private static JsonObject configObject(Path dir) {
    try {
      return JsonParser.parseString(
              Files.readString(dir.resolve(CONFIG_FILE), StandardCharsets.UTF_8))
          .getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + dir.resolve(CONFIG_FILE), e);
    }
  }
}
