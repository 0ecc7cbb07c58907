package dev.grpo.policy.tokenizer;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The real tokenizer folders of {@code ../shared/data/tokenizers/}: the folder named by the system
 * property {@value #PROPERTY}, else {@code shared/data} in the nearest ancestor of the working
 * directory. A test that needs one is skipped, with the path it looked for, when it is absent.
 */
public final class SharedTokenizers {

  public static final String PROPERTY = "grpo.shared.data";

  private SharedTokenizers() {}

  /** {@code tokenizers/qwen2}: Qwen2's tokenizer.json, tokenizer_config.json, config.json. */
  public static Path qwen2() {
    return folder("qwen2");
  }

  /** {@code tokenizers/smollm2-135m-instruct}: tokenizer.json and config.json, no config. */
  public static Path smollm2() {
    return folder("smollm2-135m-instruct");
  }

  /**
   * SmolLM2's shared files with the {@code tokenizer_config.json} of this module's test resources
   * (special tokens and chat template), copied into {@code dir}.
   */
  public static Path smollm2WithTokenizerConfig(Path dir) {
    Path shared = smollm2();
    try (InputStream config =
        SharedTokenizers.class.getResourceAsStream(
            "/chat/smollm2-135m-instruct/tokenizer_config.json")) {
      Files.copy(shared.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
      Files.copy(shared.resolve("config.json"), dir.resolve("config.json"));
      Files.copy(Objects.requireNonNull(config), dir.resolve("tokenizer_config.json"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }

  /** {@code tokenizers/<name>} when this checkout has it. */
  public static Optional<Path> find(String name) {
    String relative = "tokenizers/" + name;
    String explicit = System.getProperty(PROPERTY);
    if (explicit != null) {
      Path dir = Path.of(explicit).resolve(relative);
      return Files.isRegularFile(dir.resolve("tokenizer.json"))
          ? Optional.of(dir)
          : Optional.empty();
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("shared/data").resolve(relative);
      if (Files.isRegularFile(candidate.resolve("tokenizer.json"))) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** Why a test needing {@code tokenizers/<name>} is skipped. */
  public static String missing(String name) {
    String explicit = System.getProperty(PROPERTY);
    String where =
        explicit != null
            ? explicit + "/tokenizers/" + name + " (from -D" + PROPERTY + ")"
            : "../shared/data/tokenizers/" + name + " above " + Path.of("").toAbsolutePath();
    return "skipped: "
        + where
        + " has no tokenizer.json (point -D"
        + PROPERTY
        + " at a shared/data folder)";
  }

  private static Path folder(String name) {
    Optional<Path> dir = find(name);
    assumeTrue(dir.isPresent(), () -> missing(name));
    return dir.get();
  }
}
