package dev.grpo.policy.tokenizer;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Character-level tokenizer of the built-in demo, with a fixed vocabulary:
 *
 * <ul>
 *   <li>0 {@code <pad>}, 1 {@code <bos>}, 2 {@code <eos>}, 3 {@code <unk>} (special: left out by
 *       {@link #decode})
 *   <li>4 {@code <think>}, 5 {@code </think>}, 6 {@code <answer>}, 7 {@code </answer>} (single
 *       tokens, kept by {@link #decode})
 *   <li>8 newline, 9 space, then the printable ASCII characters {@code '!'}..{@code '~'} (digits,
 *       letters, punctuation), 104 ids in all
 * </ul>
 *
 * Any other character becomes {@code <unk>}. {@link #toTokenizerJson()} describes the same mapping
 * as a Hugging Face {@code tokenizer.json} (WordLevel model, one-character Split pre-tokenizer,
 * Fuse decoder) that DJL's {@code HuggingFaceTokenizer} loads with identical ids.
 */
public final class CharTokenizer implements Tokenizer {

  public static final int PAD = 0;
  public static final int BOS = 1;
  public static final int EOS = 2;
  public static final int UNK = 3;
  public static final int THINK = 4;
  public static final int END_THINK = 5;
  public static final int ANSWER = 6;
  public static final int END_ANSWER = 7;

  /** Number of ids: 8 special tokens, newline, space and the 94 printable ASCII characters. */
  public static final int VOCAB_SIZE = 104;

  private static final List<String> SPECIAL = List.of("<pad>", "<bos>", "<eos>", "<unk>");
  private static final List<String> TAGS = List.of("<think>", "</think>", "<answer>", "</answer>");

  private final List<String> tokens;
  private final Map<Integer, Integer> idOfChar = new HashMap<>();

  public CharTokenizer() {
    List<String> all = new ArrayList<>(SPECIAL);
    all.addAll(TAGS);
    all.add("\n");
    all.add(" ");
    for (char c = '!'; c <= '~'; c++) {
      all.add(String.valueOf(c));
    }
    tokens = Collections.unmodifiableList(all);
    if (tokens.size() != VOCAB_SIZE) {
      throw new IllegalStateException("vocabulary has " + tokens.size() + " tokens");
    }
    for (int id = SPECIAL.size() + TAGS.size(); id < tokens.size(); id++) {
      idOfChar.put((int) tokens.get(id).charAt(0), id);
    }
  }

  /** The token strings, indexed by id. */
  public List<String> tokens() {
    return tokens;
  }

  @Override
  public int[] encode(String text) {
    int[] out = new int[text.length()];
    int n = 0;
    int i = 0;
    outer:
    while (i < text.length()) {
      if (text.charAt(i) == '<') {
        for (int id = 0; id < SPECIAL.size() + TAGS.size(); id++) {
          if (text.startsWith(tokens.get(id), i)) {
            out[n++] = id;
            i += tokens.get(id).length();
            continue outer;
          }
        }
      }
      int codePoint = text.codePointAt(i);
      out[n++] = idOfChar.getOrDefault(codePoint, UNK);
      i += Character.charCount(codePoint);
    }
    return java.util.Arrays.copyOf(out, n);
  }

  @Override
  public String decode(int[] ids) {
    StringBuilder sb = new StringBuilder(ids.length);
    for (int id : ids) {
      if (id < 0 || id >= tokens.size()) {
        throw new IllegalArgumentException("id out of vocabulary: " + id);
      }
      if (id >= SPECIAL.size()) {
        sb.append(tokens.get(id));
      }
    }
    return sb.toString();
  }

  @Override
  public int eosId() {
    return EOS;
  }

  @Override
  public int padId() {
    return PAD;
  }

  @Override
  public int bosId() {
    return BOS;
  }

  @Override
  public int vocabSize() {
    return tokens.size();
  }

  /** This vocabulary as a Hugging Face {@code tokenizer.json}. */
  public String toTokenizerJson() {
    JsonObject root = new JsonObject();
    root.addProperty("version", "1.0");
    root.add("truncation", JsonNull.INSTANCE);
    root.add("padding", JsonNull.INSTANCE);
    JsonArray added = new JsonArray();
    for (int id = 0; id < SPECIAL.size() + TAGS.size(); id++) {
      JsonObject t = new JsonObject();
      t.addProperty("id", id);
      t.addProperty("content", tokens.get(id));
      t.addProperty("single_word", false);
      t.addProperty("lstrip", false);
      t.addProperty("rstrip", false);
      t.addProperty("normalized", false);
      t.addProperty("special", id < SPECIAL.size());
      added.add(t);
    }
    root.add("added_tokens", added);
    root.add("normalizer", JsonNull.INSTANCE);
    JsonObject split = new JsonObject();
    split.addProperty("type", "Split");
    JsonObject pattern = new JsonObject();
    pattern.addProperty("Regex", "[\\s\\S]");
    split.add("pattern", pattern);
    split.addProperty("behavior", "Isolated");
    split.addProperty("invert", false);
    root.add("pre_tokenizer", split);
    root.add("post_processor", JsonNull.INSTANCE);
    JsonObject decoder = new JsonObject();
    decoder.addProperty("type", "Fuse");
    root.add("decoder", decoder);
    JsonObject model = new JsonObject();
    model.addProperty("type", "WordLevel");
    JsonObject vocab = new JsonObject();
    for (int id = 0; id < tokens.size(); id++) {
      vocab.addProperty(tokens.get(id), id);
    }
    model.add("vocab", vocab);
    model.addProperty("unk_token", "<unk>");
    root.add("model", model);
    return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(root) + "\n";
  }

  /** Writes {@link #toTokenizerJson()} to a file. */
  public void writeTokenizerJson(Path path) {
    try {
      Files.writeString(path, toTokenizerJson(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + path, e);
    }
  }
}
