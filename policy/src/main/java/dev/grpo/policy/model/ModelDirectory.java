package dev.grpo.policy.model;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Makes a model folder in the Hugging Face layout from a real tokenizer folder: the tokenizer's
 * files copied as they are, a {@code config.json} of the tokenizer's own architecture and
 * vocabulary (Qwen2: {@code model_type qwen2}, 151,936 embedding rows, q/k/v biases, tied
 * embeddings, rope θ 10⁶) with small layers, and randomly initialised {@code model.safetensors}. No
 * pretrained checkpoint can be downloaded here; this gives a real-shaped model that every path
 * (loading, tokenizing, chat templates, sampling, training, checkpoints) can be run through.
 *
 * <p>Command line: {@code ModelDirectory <tokenizer dir> <out dir> [hidden] [layers] [seed]}.
 */
public final class ModelDirectory {

  /** The tokenizer-side files a Hugging Face model folder may hold; absent ones are skipped. */
  static final List<String> TOKENIZER_FILES =
      List.of(
          "tokenizer.json",
          "tokenizer_config.json",
          "special_tokens_map.json",
          "generation_config.json",
          "vocab.json",
          "merges.txt");

  /** Layer sizes of the model made; the vocabulary and architecture come from the tokenizer. */
  public record Size(int hidden, int layers, int heads, int kvHeads, int intermediate) {
    /** Hidden 64, 2 layers, 4 query heads, 2 KV heads, MLP 176: seconds per step on 2 cores. */
    public static final Size SMALL = new Size(64, 2, 4, 2, 176);
  }

  private ModelDirectory() {}

  /** Writes the folder and returns the configuration it holds. */
  public static ModelConfig createRandom(Path tokenizerDir, Path out, Size size, long seed) {
    if (!Files.isRegularFile(tokenizerDir.resolve("tokenizer.json"))) {
      throw new IllegalArgumentException("no tokenizer.json in " + tokenizerDir);
    }
    ModelConfig config = configFor(tokenizerDir, size);
    try {
      Files.createDirectories(out);
      for (String name : TOKENIZER_FILES) {
        Path file = tokenizerDir.resolve(name);
        if (Files.isRegularFile(file)) {
          Files.copy(file, out.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + out, e);
    }
    try (DecoderModel model = DecoderModel.randomInit(config, seed)) {
      model.save(out);
    }
    return config;
  }

  /**
   * The tokenizer folder's architecture (its {@code config.json} when it has one: model type,
   * vocabulary size, rope θ, tying) with the given layer sizes.
   */
  static ModelConfig configFor(Path tokenizerDir, Size size) {
    Path configFile = tokenizerDir.resolve(DecoderModel.CONFIG_FILE);
    JsonObject source = new JsonObject();
    if (Files.isRegularFile(configFile)) {
      try {
        source =
            JsonParser.parseString(Files.readString(configFile, StandardCharsets.UTF_8))
                .getAsJsonObject();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + configFile, e);
      }
    }
    String type = source.has("model_type") ? source.get("model_type").getAsString() : "llama";
    int vocab =
        source.has("vocab_size")
            ? source.get("vocab_size").getAsInt()
            : TokenizerVocabulary.size(tokenizerDir.resolve("tokenizer.json"));
    double theta = source.has("rope_theta") ? source.get("rope_theta").getAsDouble() : 10000.0;
    boolean tied =
        !source.has("tie_word_embeddings") || source.get("tie_word_embeddings").getAsBoolean();
    boolean qwen2 = type.equals("qwen2");
    return new ModelConfig(
        qwen2 ? "qwen2" : "llama",
        size.hidden(),
        size.intermediate(),
        size.layers(),
        size.heads(),
        size.kvHeads(),
        size.hidden() / size.heads(),
        vocab,
        2048,
        1e-6,
        theta,
        tied,
        qwen2,
        false);
  }

  public static void main(String[] args) {
    if (args.length < 2) {
      System.err.println(
          "usage: ModelDirectory <tokenizer dir> <out dir> [hidden] [layers] [seed]");
      System.exit(2);
    }
    Size s = Size.SMALL;
    int hidden = args.length > 2 ? Integer.parseInt(args[2]) : s.hidden();
    int layers = args.length > 3 ? Integer.parseInt(args[3]) : s.layers();
    long seed = args.length > 4 ? Long.parseLong(args[4]) : 1L;
    Size size = new Size(hidden, layers, s.heads(), s.kvHeads(), hidden * 11 / 4);
    ModelConfig c = createRandom(Path.of(args[0]), Path.of(args[1]), size, seed);
    System.out.printf(
        "wrote %s: %s, vocab %,d, hidden %d, %d layers%n",
        args[1], c.modelType(), c.vocabSize(), c.hiddenSize(), c.numHiddenLayers());
  }
}
