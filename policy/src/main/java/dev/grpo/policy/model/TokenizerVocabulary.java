package dev.grpo.policy.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The number of ids a {@code tokenizer.json} uses: its largest id (model or added token) + 1. */
final class TokenizerVocabulary {

  private TokenizerVocabulary() {}

  static int size(Path tokenizerJson) {
    try (Reader reader = Files.newBufferedReader(tokenizerJson, StandardCharsets.UTF_8)) {
      JsonObject root = JsonParser.parseReader(reader).getAsJsonObject();
      int max = -1;
      JsonElement vocab = root.getAsJsonObject("model").get("vocab");
      if (vocab != null && vocab.isJsonObject()) {
        for (var e : vocab.getAsJsonObject().entrySet()) {
          max = Math.max(max, e.getValue().getAsInt());
        }
      }
      JsonElement added = root.get("added_tokens");
      if (added != null && added.isJsonArray()) {
        for (JsonElement t : added.getAsJsonArray()) {
          max = Math.max(max, t.getAsJsonObject().get("id").getAsInt());
        }
      }
      if (max < 0) {
        throw new IllegalArgumentException(tokenizerJson + " has no vocabulary");
      }
      return max + 1;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + tokenizerJson, e);
    }
  }
}
