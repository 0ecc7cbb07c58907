package dev.grpo.policy.model;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Architecture hyper-parameters of a Llama/Qwen2-style decoder, read from a Hugging Face {@code
 * config.json}.
 *
 * @param modelType {@code llama} or {@code qwen2}
 * @param hiddenSize width of the residual stream
 * @param intermediateSize width of the SwiGLU MLP
 * @param numHiddenLayers number of decoder layers
 * @param numAttentionHeads number of query heads
 * @param numKeyValueHeads number of key/value heads (grouped-query attention when smaller)
 * @param headDim size of one attention head
 * @param vocabSize vocabulary size
 * @param maxPositionEmbeddings longest supported sequence
 * @param rmsNormEps epsilon of every RMSNorm
 * @param ropeTheta base of the rotary embedding frequencies
 * @param tieWordEmbeddings whether {@code lm_head} reuses {@code embed_tokens}
 * @param qkvBias whether q/k/v projections have a bias (Qwen2, or Llama with attention_bias)
 * @param outputBias whether the o projection has a bias (Llama with attention_bias only)
 */
public record ModelConfig(
    String modelType,
    int hiddenSize,
    int intermediateSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int numKeyValueHeads,
    int headDim,
    int vocabSize,
    int maxPositionEmbeddings,
    double rmsNormEps,
    double ropeTheta,
    boolean tieWordEmbeddings,
    boolean qkvBias,
    boolean outputBias) {

  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

  public ModelConfig {
    Objects.requireNonNull(modelType, "modelType");
    if (!modelType.equals("llama") && !modelType.equals("qwen2")) {
      throw new IllegalArgumentException("unsupported model_type: " + modelType);
    }
    requirePositive("hidden_size", hiddenSize);
    requirePositive("intermediate_size", intermediateSize);
    requirePositive("num_hidden_layers", numHiddenLayers);
    requirePositive("num_attention_heads", numAttentionHeads);
    requirePositive("num_key_value_heads", numKeyValueHeads);
    requirePositive("head_dim", headDim);
    requirePositive("vocab_size", vocabSize);
    requirePositive("max_position_embeddings", maxPositionEmbeddings);
    if (numAttentionHeads % numKeyValueHeads != 0) {
      throw new IllegalArgumentException(
          "num_attention_heads ("
              + numAttentionHeads
              + ") must be a multiple of num_key_value_heads ("
              + numKeyValueHeads
              + ")");
    }
    if (headDim % 2 != 0) {
      throw new IllegalArgumentException("head_dim must be even for rotary embeddings");
    }
    if (!(rmsNormEps > 0) || !(ropeTheta > 0)) {
      throw new IllegalArgumentException("rms_norm_eps and rope_theta must be positive");
    }
  }

  private static void requirePositive(String name, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " must be positive, was " + value);
    }
  }

  /** The {@link ModelPreset#TINY} demo model for the character tokenizer. */
  public static ModelConfig tiny() {
    return ModelPreset.TINY.config();
  }

  /**
   * The {@link ModelPreset#TINY} demo model with another vocabulary size.
   *
   * @param vocabSize vocabulary size, normally {@code CharTokenizer.vocabSize()}
   */
  public static ModelConfig tiny(int vocabSize) {
    return ModelPreset.TINY.config(vocabSize);
  }

  /** Number of query heads sharing one key/value head. */
  public int groupSize() {
    return numAttentionHeads / numKeyValueHeads;
  }

  /** Reads a Hugging Face {@code config.json}. */
  public static ModelConfig fromJson(Path path) {
    try {
      return fromJsonString(Files.readString(path, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path, e);
    }
  }

  /** Parses the text of a Hugging Face {@code config.json}. */
  public static ModelConfig fromJsonString(String json) {
    JsonObject o = JsonParser.parseString(json).getAsJsonObject();
    String modelType = string(o, "model_type", "llama");
    int hidden = integer(o, "hidden_size", null);
    int heads = integer(o, "num_attention_heads", null);
    int kvHeads = integer(o, "num_key_value_heads", heads);
    int headDim = integer(o, "head_dim", heads > 0 ? hidden / heads : 0);
    JsonElement scaling = o.get("rope_scaling");
    if (scaling != null && !scaling.isJsonNull()) {
      throw new IllegalArgumentException("rope_scaling is not supported: " + scaling);
    }
    boolean attentionBias = bool(o, "attention_bias", false);
    boolean qwen2 = modelType.equals("qwen2");
    if (bool(o, "mlp_bias", false)) {
      throw new IllegalArgumentException("mlp_bias is not supported");
    }
    if (bool(o, "use_sliding_window", false)) {
      throw new IllegalArgumentException("use_sliding_window is not supported");
    }
    String activation = string(o, "hidden_act", "silu");
    if (!activation.equals("silu")) {
      throw new IllegalArgumentException("hidden_act must be silu, was " + activation);
    }
    return new ModelConfig(
        modelType,
        hidden,
        integer(o, "intermediate_size", null),
        integer(o, "num_hidden_layers", null),
        heads,
        kvHeads,
        headDim,
        integer(o, "vocab_size", null),
        integer(o, "max_position_embeddings", 2048),
        number(o, "rms_norm_eps", 1e-6),
        number(o, "rope_theta", 10000.0),
        bool(o, "tie_word_embeddings", false),
        qwen2 || attentionBias,
        !qwen2 && attentionBias);
  }

  /** The Hugging Face {@code config.json} text of this configuration. */
  public String toJson() {
    JsonObject o = new JsonObject();
    o.addProperty("model_type", modelType);
    JsonArray architectures = new JsonArray();
    architectures.add(modelType.equals("qwen2") ? "Qwen2ForCausalLM" : "LlamaForCausalLM");
    o.add("architectures", architectures);
    o.addProperty("hidden_size", hiddenSize);
    o.addProperty("intermediate_size", intermediateSize);
    o.addProperty("num_hidden_layers", numHiddenLayers);
    o.addProperty("num_attention_heads", numAttentionHeads);
    o.addProperty("num_key_value_heads", numKeyValueHeads);
    o.addProperty("head_dim", headDim);
    o.addProperty("vocab_size", vocabSize);
    o.addProperty("max_position_embeddings", maxPositionEmbeddings);
    o.addProperty("rms_norm_eps", rmsNormEps);
    o.addProperty("rope_theta", ropeTheta);
    o.addProperty("tie_word_embeddings", tieWordEmbeddings);
    if (modelType.equals("llama")) {
      o.addProperty("attention_bias", qkvBias);
    }
    o.addProperty("hidden_act", "silu");
    o.addProperty("torch_dtype", "float32");
    return GSON.toJson(o) + "\n";
  }

  /** Writes this configuration as a Hugging Face {@code config.json}. */
  public void writeJson(Path path) {
    try {
      Files.writeString(path, toJson(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + path, e);
    }
  }

  private static String string(JsonObject o, String key, String fallback) {
    JsonElement e = o.get(key);
    return e == null || e.isJsonNull() ? fallback : e.getAsString();
  }

  private static int integer(JsonObject o, String key, Integer fallback) {
    JsonElement e = o.get(key);
    if (e == null || e.isJsonNull()) {
      if (fallback == null) {
        throw new IllegalArgumentException("config.json lacks " + key);
      }
      return fallback;
    }
    return e.getAsInt();
  }

  private static double number(JsonObject o, String key, double fallback) {
    JsonElement e = o.get(key);
    return e == null || e.isJsonNull() ? fallback : e.getAsDouble();
  }

  private static boolean bool(JsonObject o, String key, boolean fallback) {
    JsonElement e = o.get(key);
    return e == null || e.isJsonNull() ? fallback : e.getAsBoolean();
  }
}
