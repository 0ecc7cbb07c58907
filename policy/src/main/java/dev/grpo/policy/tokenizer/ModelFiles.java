package dev.grpo.policy.tokenizer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The JSON files of a Hugging Face model folder that say how its tokenizer is used: {@code
 * tokenizer_config.json}, {@code config.json}, {@code generation_config.json}, and a {@code
 * chat_template.jinja} beside them. A missing file reads as an empty object.
 */
record ModelFiles(
    Path dir, JsonObject tokenizerConfig, JsonObject modelConfig, JsonObject generationConfig) {

  static ModelFiles read(Path dir) {
    return new ModelFiles(
        dir,
        readObject(dir.resolve("tokenizer_config.json")),
        readObject(dir.resolve("config.json")),
        readObject(dir.resolve("generation_config.json")));
  }

  /**
   * The token {@code tokenizer_config.json} names under {@code key} ({@code "eos_token"}...): a
   * string or an object with a {@code content}. Empty when the key is absent; an explicit null
   * gives {@code Optional.of(Optional.empty())} so that "the model has no BOS" stays distinct from
   * "not said".
   */
  Optional<Optional<String>> configuredToken(String key) {
    if (!tokenizerConfig.has(key)) {
      return Optional.empty();
    }
    return Optional.of(tokenString(tokenizerConfig.get(key)));
  }

  /** {@code additional_special_tokens} of {@code tokenizer_config.json}, in file order. */
  List<String> additionalSpecialTokens() {
    List<String> tokens = new ArrayList<>();
    JsonElement list = tokenizerConfig.get("additional_special_tokens");
    if (list != null && list.isJsonArray()) {
      list.getAsJsonArray().forEach(e -> tokenString(e).ifPresent(tokens::add));
    }
    return tokens;
  }

  /** The ids under {@code key} (an int or a list of ints) in config.json and generation_config. */
  List<Integer> configuredIds(String key) {
    List<Integer> ids = new ArrayList<>();
    addIds(generationConfig.get(key), ids);
    addIds(modelConfig.get(key), ids);
    return ids;
  }

  /**
   * The chat template: {@code chat_template.jinja} when present (newer transformers save it there),
   * otherwise {@code chat_template} of {@code tokenizer_config.json}, either a string or the list
   * of named templates, of which the one named {@code default} is taken.
   */
  Optional<String> chatTemplate() {
    Path file = dir.resolve("chat_template.jinja");
    if (Files.isRegularFile(file)) {
      return Optional.of(readString(file));
    }
    JsonElement template = tokenizerConfig.get("chat_template");
    if (template == null || template.isJsonNull()) {
      return Optional.empty();
    }
    if (template.isJsonPrimitive()) {
      return Optional.of(template.getAsString());
    }
    for (JsonElement named : template.getAsJsonArray()) {
      JsonObject entry = named.getAsJsonObject();
      if ("default".equals(entry.get("name").getAsString())) {
        return Optional.of(entry.get("template").getAsString());
      }
    }
    return Optional.empty();
  }

  private static Optional<String> tokenString(JsonElement e) {
    if (e == null || e.isJsonNull()) {
      return Optional.empty();
    }
    if (e.isJsonObject()) {
      return Optional.of(e.getAsJsonObject().get("content").getAsString());
    }
    return Optional.of(e.getAsString());
  }

  private static void addIds(JsonElement e, List<Integer> ids) {
    if (e == null || e.isJsonNull()) {
      return;
    }
    if (e.isJsonArray()) {
      e.getAsJsonArray().forEach(id -> ids.add(id.getAsInt()));
    } else {
      ids.add(e.getAsInt());
    }
  }

  private static JsonObject readObject(Path file) {
    if (!Files.isRegularFile(file)) {
      return new JsonObject();
    }
    try {
      return JsonParser.parseString(readString(file)).getAsJsonObject();
    } catch (JsonParseException | IllegalStateException e) {
      throw new IllegalArgumentException(file + " is not a JSON object: " + e.getMessage(), e);
    }
  }

  private static String readString(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}
