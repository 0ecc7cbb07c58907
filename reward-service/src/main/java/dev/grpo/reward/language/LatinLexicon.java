package dev.grpo.reward.language;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Frequent words of the Latin-script languages the detector knows, from the {@code words-*.txt}
 * resources next to this class. Loaded once; about 1,100 words in all.
 */
final class LatinLexicon {

  /** Languages with a word list, in the order used to break ties. */
  static final List<String> LANGUAGES = List.of("en", "fr", "de", "es", "it", "pt");

  private static final Map<String, Set<String>> LANGUAGES_BY_WORD = load();

  private LatinLexicon() {}

  /**
   * The languages whose list has the word, or for a word with an apostrophe its elided prefix
   * ("l'", "dell'") or its clitic suffix ("'s", "'t"). Empty when no list has it.
   */
  static Set<String> languagesOf(String word) {
    Set<String> languages = LANGUAGES_BY_WORD.get(word);
    if (languages == null && word.indexOf('\'') > 0) {
      languages = LANGUAGES_BY_WORD.get(word.substring(0, word.indexOf('\'') + 1));
      if (languages == null) {
        languages = LANGUAGES_BY_WORD.get(word.substring(word.lastIndexOf('\'')));
      }
    }
    return languages == null ? Set.of() : languages;
  }

  private static Map<String, Set<String>> load() {
    Map<String, Set<String>> languagesByWord = new HashMap<>();
    for (String language : LANGUAGES) {
      for (String word : readWords("words-" + language + ".txt")) {
        languagesByWord.computeIfAbsent(word, w -> new LinkedHashSet<>()).add(language);
      }
    }
    languagesByWord.replaceAll((word, languages) -> Set.copyOf(languages));
    return Map.copyOf(languagesByWord);
  }

  private static List<String> readWords(String resource) {
    InputStream stream = LatinLexicon.class.getResourceAsStream(resource);
    if (stream == null) {
      throw new IllegalStateException("missing word list resource " + resource);
    }
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
      return reader
          .lines()
          .map(String::strip)
          .filter(line -> !line.isEmpty() && !line.startsWith("#"))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
