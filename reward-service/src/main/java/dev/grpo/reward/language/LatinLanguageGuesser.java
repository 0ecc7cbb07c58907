package dev.grpo.reward.language;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Tells which of a few Latin-script languages each word is in, from the frequent-word lists.
 *
 * <p>Most words of a sentence (content words, "équation" or "Summe") are in no list, and many short
 * ones are in several ("la", "in", "also"). So the language is decided per sentence first: each
 * listed word votes {@code 1/k} for each of its {@code k} languages, ties go to the target language
 * if it is among them, else to the first configured. A sentence without any listed word takes the
 * language of the previous decided sentence (else the next one). Then a listed word takes the
 * sentence's language if its list has it, else the target if that list has it, else its first
 * language; an unlisted word takes the sentence's language.
 */
final class LatinLanguageGuesser {

  private LatinLanguageGuesser() {}

  /**
   * @param words Latin-script words in text order
   * @param languages the configured languages, in tie-break order
   * @param target the language wanted, possibly not Latin (then never chosen by ties)
   * @param fallback the label for every word when no sentence has a listed word
   * @return one language label per word
   */
  static List<String> assign(
      List<ProseWords.Word> words, List<String> languages, String target, String fallback) {
    Map<Integer, Map<String, Double>> votesBySentence = new HashMap<>();
    for (ProseWords.Word word : words) {
      Set<String> known = knownLanguages(word, languages);
      Map<String, Double> votes =
          votesBySentence.computeIfAbsent(word.sentence(), s -> new HashMap<>());
      for (String language : known) {
        votes.merge(language, 1.0 / known.size(), Double::sum);
      }
    }
    List<String> sentenceLanguage = sentenceLanguages(words, votesBySentence, languages, target);
    List<String> labels = new ArrayList<>(words.size());
    for (int i = 0; i < words.size(); i++) {
      String sentence = sentenceLanguage.get(i);
      if (sentence == null) {
        labels.add(fallback);
        continue;
      }
      Set<String> known = knownLanguages(words.get(i), languages);
      if (known.isEmpty() || known.contains(sentence)) {
        labels.add(sentence);
      } else if (known.contains(target)) {
        labels.add(target);
      } else {
        labels.add(languages.stream().filter(known::contains).findFirst().orElseThrow());
      }
    }
    return labels;
  }

  /** Per word, the language of its sentence, with undecided sentences filled from neighbours. */
  private static List<String> sentenceLanguages(
      List<ProseWords.Word> words,
      Map<Integer, Map<String, Double>> votesBySentence,
      List<String> languages,
      String target) {
    List<String> perWord = new ArrayList<>(words.size());
    for (ProseWords.Word word : words) {
      perWord.add(winner(votesBySentence.get(word.sentence()), languages, target));
    }
    String previous = null;
    for (int i = 0; i < perWord.size(); i++) {
      if (perWord.get(i) == null) {
        perWord.set(i, previous);
      } else {
        previous = perWord.get(i);
      }
    }
    String following = null;
    for (int i = perWord.size() - 1; i >= 0; i--) {
      if (perWord.get(i) == null) {
        perWord.set(i, following);
      } else {
        following = perWord.get(i);
      }
    }
    return perWord;
  }

  private static String winner(Map<String, Double> votes, List<String> languages, String target) {
    double best = 0.0;
    for (double vote : votes.values()) {
      best = Math.max(best, vote);
    }
    if (best == 0.0) {
      return null;
    }
    // Votes are sums of 1/k, so ties are compared with a tolerance.
    final double nearTop = best - 1e-9;
    if (votes.getOrDefault(target, 0.0) >= nearTop) {
      return target;
    }
    return languages.stream()
        .filter(language -> votes.getOrDefault(language, 0.0) >= nearTop)
        .findFirst()
        .orElseThrow();
  }

  private static Set<String> knownLanguages(ProseWords.Word word, List<String> languages) {
    Set<String> listed = LatinLexicon.languagesOf(word.text());
    if (languages.containsAll(listed)) {
      return listed;
    }
    return Set.copyOf(listed.stream().filter(languages::contains).toList());
  }
}
