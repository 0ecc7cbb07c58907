package dev.grpo.policy.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The tokenizer of a Hugging Face model folder as a model uses it: {@code tokenizer.json} for the
 * ids, {@code tokenizer_config.json} for the special tokens and the {@code chat_template}, and the
 * end-of-sequence ids of {@code generation_config.json} and {@code config.json} as stop tokens.
 *
 * <p>A special token is taken from {@code tokenizer_config.json} when it names it (an explicit null
 * means the model has none, e.g. Qwen2's BOS), otherwise from the {@code *_token_id} of {@code
 * generation_config.json} or {@code config.json}, otherwise by a common name. Without a padding
 * token, padding uses the end-of-sequence id.
 */
public final class ModelTokenizer implements Tokenizer {

  /**
   * End-of-turn and end-of-document tokens that stop generation whenever the vocabulary has them.
   */
  private static final List<String> END_TOKENS =
      List.of("<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|end_of_text|>");

  /** The files of a model folder that belong to its tokenizer (all but tokenizer.json optional). */
  public static final List<String> TOKENIZER_FILES =
      List.of(
          "tokenizer.json",
          "tokenizer_config.json",
          "special_tokens_map.json",
          "chat_template.jinja",
          "generation_config.json");

  private final HfTokenizer tokenizer;
  private final SpecialTokens specialTokens;
  private final String chatTemplate;
  private final int[] stopTokenIds;
  private final Set<Integer> stops;

  private ModelTokenizer(
      HfTokenizer tokenizer, SpecialTokens specialTokens, String chatTemplate, int[] stopTokenIds) {
    this.tokenizer = tokenizer;
    this.specialTokens = specialTokens;
    this.chatTemplate = chatTemplate;
    this.stopTokenIds = stopTokenIds;
    this.stops = new LinkedHashSet<>();
    Arrays.stream(stopTokenIds).forEach(stops::add);
  }

  /**
   * Loads the tokenizer of the model folder {@code dir}, which must hold a {@code tokenizer.json}.
   *
   * @throws IllegalArgumentException when {@code tokenizer.json} is missing, a configured special
   *     token is not in its vocabulary, or no end-of-sequence token can be found
   */
  public static ModelTokenizer load(Path dir) {
    Path file = dir.resolve("tokenizer.json");
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("no tokenizer.json in " + dir);
    }
    Map<String, Integer> ids = HfTokenizer.tokenIds(file);
    ModelFiles files = ModelFiles.read(dir);
    SpecialTokens special =
        new SpecialTokens(
            token(files, ids, "bos_token", "bos_token_id", HfTokenizer.BOS_NAMES),
            token(files, ids, "eos_token", "eos_token_id", HfTokenizer.EOS_NAMES),
            token(files, ids, "pad_token", "pad_token_id", HfTokenizer.PAD_NAMES),
            token(files, ids, "unk_token", "unk_token_id", List.of()),
            files.additionalSpecialTokens());
    if (special.eos() == null) {
      throw new IllegalArgumentException("no end-of-sequence token found in " + dir);
    }
    for (String t : special.additional()) {
      idOf(ids, t, "additional_special_tokens");
    }
    int eos = idOf(ids, special.eos(), "eos_token");
    int pad = special.pad() == null ? eos : idOf(ids, special.pad(), "pad_token");
    int bos = special.bos() == null ? -1 : idOf(ids, special.bos(), "bos_token");
    int[] stopIds = stopIds(eos, files, ids);
    HfTokenizer hf = HfTokenizer.open(file, ids, eos, pad, bos);
    return new ModelTokenizer(hf, special, files.chatTemplate().orElse(null), stopIds);
  }

  /**
   * Copies the files {@link #load} reads, except {@code config.json} (the model's own), from one
   * model folder to another, e.g. the real Qwen2 tokenizer into a model folder the project makes,
   * or into a checkpoint so that it loads by path like the model it came from. Existing files in
   * {@code targetDir} are replaced.
   *
   * @return the names of the files copied, in {@link #TOKENIZER_FILES} order
   */
  public static List<String> copyFiles(Path sourceDir, Path targetDir) {
    return placeFiles(sourceDir, targetDir, false);
  }

  /**
   * Like {@link #copyFiles}, but hard-links each file where the file system allows it (same device)
   * and copies it otherwise: for short-lived folders, such as a policy version published at every
   * step, that should not write the tokenizer (7 MB for Qwen2) again each time. The tokenizer files
   * are never written in place, so a link shares nothing that changes.
   */
  public static List<String> linkOrCopyFiles(Path sourceDir, Path targetDir) {
    return placeFiles(sourceDir, targetDir, true);
  }

  private static List<String> placeFiles(Path sourceDir, Path targetDir, boolean link) {
    if (!Files.isRegularFile(sourceDir.resolve("tokenizer.json"))) {
      throw new IllegalArgumentException("no tokenizer.json in " + sourceDir);
    }
    List<String> placed = new ArrayList<>();
    try {
      Files.createDirectories(targetDir);
      for (String name : TOKENIZER_FILES) {
        Path source = sourceDir.resolve(name);
        if (Files.isRegularFile(source)) {
          Path target = targetDir.resolve(name);
          Files.deleteIfExists(target);
          if (!link || !tryLink(target, source)) {
            Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
          }
          placed.add(name);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot place tokenizer files in " + targetDir, e);
    }
    return placed;
  }

  private static boolean tryLink(Path target, Path source) {
    try {
      Files.createLink(target, source.toRealPath());
      return true;
    } catch (IOException | UnsupportedOperationException | SecurityException notHere) {
      return false; // another device, or a file system without hard links: copy instead
    }
  }

  private static String token(
      ModelFiles files,
      Map<String, Integer> ids,
      String key,
      String idKey,
      List<String> commonNames) {
    Optional<Optional<String>> configured = files.configuredToken(key);
    if (configured.isPresent()) {
      return configured.get().orElse(null);
    }
    for (int id : files.configuredIds(idKey)) {
      Optional<String> named = tokenOf(ids, id);
      if (named.isPresent()) {
        return named.get();
      }
    }
    return commonNames.stream().filter(ids::containsKey).findFirst().orElse(null);
  }

  private static int[] stopIds(int eos, ModelFiles files, Map<String, Integer> ids) {
    Set<Integer> stopIds = new LinkedHashSet<>();
    stopIds.add(eos);
    files.configuredIds("eos_token_id").stream()
        .filter(id -> tokenOf(ids, id).isPresent())
        .forEach(stopIds::add);
    END_TOKENS.stream().filter(ids::containsKey).map(ids::get).forEach(stopIds::add);
    return stopIds.stream().mapToInt(Integer::intValue).toArray();
  }

  private static int idOf(Map<String, Integer> ids, String token, String key) {
    Integer id = ids.get(token);
    if (id == null) {
      throw new IllegalArgumentException(key + " " + token + " is not in the vocabulary");
    }
    return id;
  }

  private static Optional<String> tokenOf(Map<String, Integer> ids, int id) {
    return ids.entrySet().stream()
        .filter(e -> e.getValue() == id)
        .map(Map.Entry::getKey)
        .findFirst();
  }

  /** The special token strings, for the variables of a chat template. */
  public SpecialTokens specialTokens() {
    return specialTokens;
  }

  /** The model's Jinja chat template, if its folder has one. */
  public Optional<String> chatTemplate() {
    return Optional.ofNullable(chatTemplate);
  }

  /**
   * Ids that end a completion: the end-of-sequence token first, then the {@code eos_token_id}s of
   * {@code generation_config.json} and {@code config.json}, then whichever of {@code <|im_end|>},
   * {@code <|endoftext|>}, {@code <|eot_id|>}, {@code <|end_of_text|>} the vocabulary has.
   */
  public int[] stopTokenIds() {
    return stopTokenIds.clone();
  }

  /** Whether {@code id} is one of {@link #stopTokenIds()}. */
  public boolean isStopToken(int id) {
    return stops.contains(id);
  }

  /** Decodes a generated completion up to (not including) its first stop token. */
  public CompletionText decodeCompletion(int[] ids) {
    for (int i = 0; i < ids.length; i++) {
      if (isStopToken(ids[i])) {
        return new CompletionText(decode(Arrays.copyOf(ids, i)), i, ids[i]);
      }
    }
    return new CompletionText(decode(ids), ids.length, -1);
  }

  /** Left-pads encoded prompts with this tokenizer's padding id. */
  public PaddedBatch leftPad(List<int[]> sequences) {
    return PaddedBatch.leftPad(sequences, padId());
  }

  @Override
  public int[] encode(String text) {
    return tokenizer.encode(text);
  }

  @Override
  public String decode(int[] ids) {
    return tokenizer.decode(ids);
  }

  @Override
  public int eosId() {
    return tokenizer.eosId();
  }

  @Override
  public int padId() {
    return tokenizer.padId();
  }

  @Override
  public int bosId() {
    return tokenizer.bosId();
  }

  @Override
  public int vocabSize() {
    return tokenizer.vocabSize();
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
