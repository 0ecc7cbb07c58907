package dev.grpo.policy.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} through DJL's {@link HuggingFaceTokenizer}, never adding
 * special tokens on its own and never truncating. Special token ids come from the names given, or
 * from {@code tokenizer_config.json} next to the file, or from common names ({@code <eos>}, {@code
 * </s>}, {@code <|endoftext|>}, ...).
 */
public final class HfTokenizer implements Tokenizer {

  static final List<String> EOS_NAMES =
      List.of("<eos>", "</s>", "<|endoftext|>", "<|im_end|>", "<|end_of_text|>");
  static final List<String> PAD_NAMES = List.of("<pad>", "<|pad|>", "[PAD]");
  static final List<String> BOS_NAMES =
      List.of("<bos>", "<s>", "<|begin_of_text|>", "<|startoftext|>");

  private final HuggingFaceTokenizer tokenizer;
  private final int eosId;
  private final int padId;
  private final int bosId;
  private final int vocabSize;

  private HfTokenizer(
      HuggingFaceTokenizer tokenizer, int eosId, int padId, int bosId, int vocabSize) {
    this.tokenizer = tokenizer;
    this.eosId = eosId;
    this.padId = padId;
    this.bosId = bosId;
    this.vocabSize = vocabSize;
  }

  /**
   * Loads a {@code tokenizer.json} (or the one in a folder), finding special tokens in {@code
   * tokenizer_config.json} or by common names. Without a padding token, padding uses the EOS id.
   */
  public static HfTokenizer load(Path path) {
    return load(path, null, null, null);
  }

  /**
   * Loads a {@code tokenizer.json} (or the one in a folder) with explicit special tokens; a null
   * name is looked up as in {@link #load(Path)}.
   */
  public static HfTokenizer load(Path path, String eosToken, String padToken, String bosToken) {
    Path file = Files.isDirectory(path) ? path.resolve("tokenizer.json") : path;
    Map<String, Integer> ids = tokenIds(file);
    JsonObject config = tokenizerConfig(file.toAbsolutePath().getParent());
    int eos = resolve(ids, eosToken, config, "eos_token", EOS_NAMES);
    if (eos < 0) {
      throw new IllegalArgumentException("no end-of-sequence token found in " + file);
    }
    int pad = resolve(ids, padToken, config, "pad_token", PAD_NAMES);
    int bos = resolve(ids, bosToken, config, "bos_token", BOS_NAMES);
    return open(file, ids, eos, pad < 0 ? eos : pad, bos);
  }

  /** Opens {@code file} with special token ids already resolved against its vocabulary. */
  static HfTokenizer open(Path file, Map<String, Integer> ids, int eos, int pad, int bos) {
    int vocab = ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
    Map<String, String> options =
        Map.of(
            "addSpecialTokens", "false",
            "truncation", "false",
            "padding", "false",
            "maxLength", String.valueOf(Integer.MAX_VALUE));
    try {
      HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(file, options);
      return new HfTokenizer(hf, eos, pad, bos, vocab);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load " + file, e);
    }
  }

  private static int resolve(
      Map<String, Integer> ids,
      String explicit,
      JsonObject config,
      String configKey,
      List<String> names) {
    if (explicit != null) {
      Integer id = ids.get(explicit);
      if (id == null) {
        throw new IllegalArgumentException("unknown token " + explicit);
      }
      return id;
    }
    if (config != null && config.has(configKey) && !config.get(configKey).isJsonNull()) {
      JsonElement e = config.get(configKey);
      String content =
          e.isJsonObject() ? e.getAsJsonObject().get("content").getAsString() : e.getAsString();
      Integer id = ids.get(content);
      if (id != null) {
        return id;
      }
    }
    for (String name : names) {
      Integer id = ids.get(name);
      if (id != null) {
        return id;
      }
    }
    return -1;
  }

  private static JsonObject tokenizerConfig(Path dir) {
    Path file = dir.resolve("tokenizer_config.json");
    if (!Files.exists(file)) {
      return null;
    }
    try {
      return JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8))
          .getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** Token string to id from the model vocabulary and the added tokens of a tokenizer.json. */
  static Map<String, Integer> tokenIds(Path file) {
    JsonObject root;
    try {
      root =
          JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    Map<String, Integer> ids = new HashMap<>();
    JsonElement vocab = root.getAsJsonObject("model").get("vocab");
    if (vocab != null && vocab.isJsonObject()) {
      vocab.getAsJsonObject().entrySet().forEach(e -> ids.put(e.getKey(), e.getValue().getAsInt()));
    } else if (vocab != null && vocab.isJsonArray()) {
      for (int i = 0; i < vocab.getAsJsonArray().size(); i++) {
        ids.put(vocab.getAsJsonArray().get(i).getAsJsonArray().get(0).getAsString(), i);
      }
    }
    if (root.has("added_tokens") && root.get("added_tokens").isJsonArray()) {
      root.getAsJsonArray("added_tokens")
          .forEach(
              t ->
                  ids.put(
                      t.getAsJsonObject().get("content").getAsString(),
                      t.getAsJsonObject().get("id").getAsInt()));
    }
    return ids;
  }

  @Override
  public int[] encode(String text) {
    long[] ids = tokenizer.encode(text, false, false).getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = Math.toIntExact(ids[i]);
    }
    return out;
  }

  @Override
  public String decode(int[] ids) {
    long[] wide = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      wide[i] = ids[i];
    }
    return tokenizer.decode(wide, true);
  }

  @Override
  public int eosId() {
    return eosId;
  }

  @Override
  public int padId() {
    return padId;
  }

  @Override
  public int bosId() {
    return bosId;
  }

  @Override
  public int vocabSize() {
    return vocabSize;
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
