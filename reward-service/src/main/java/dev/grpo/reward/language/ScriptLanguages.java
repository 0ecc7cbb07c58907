package dev.grpo.reward.language;

import java.lang.Character.UnicodeScript;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The scripts a language not written in Latin letters is written in, by ISO 639-1 code. Languages
 * sharing a script (Russian and Ukrainian, Arabic and Persian) cannot be told apart this way.
 */
final class ScriptLanguages {

  private static final Map<String, Set<UnicodeScript>> SCRIPTS_BY_LANGUAGE = build();

  private ScriptLanguages() {}

  /** The scripts of the language, or an empty set for Latin-script or unknown languages. */
  static Set<UnicodeScript> scriptsOf(String language) {
    return SCRIPTS_BY_LANGUAGE.getOrDefault(language, Set.of());
  }

  private static Map<String, Set<UnicodeScript>> build() {
    Map<String, Set<UnicodeScript>> scripts = new HashMap<>();
    scripts.put("zh", Set.of(UnicodeScript.HAN));
    // Japanese mixes kanji with both kana.
    scripts.put("ja", Set.of(UnicodeScript.HAN, UnicodeScript.HIRAGANA, UnicodeScript.KATAKANA));
    scripts.put("ko", Set.of(UnicodeScript.HANGUL));
    for (String code : new String[] {"ru", "uk", "be", "bg", "mk", "sr", "kk", "ky", "mn", "tg"}) {
      scripts.put(code, Set.of(UnicodeScript.CYRILLIC));
    }
    for (String code : new String[] {"ar", "fa", "ur", "ps", "ug"}) {
      scripts.put(code, Set.of(UnicodeScript.ARABIC));
    }
    for (String code : new String[] {"he", "yi"}) {
      scripts.put(code, Set.of(UnicodeScript.HEBREW));
    }
    for (String code : new String[] {"hi", "mr", "ne", "sa"}) {
      scripts.put(code, Set.of(UnicodeScript.DEVANAGARI));
    }
    scripts.put("el", Set.of(UnicodeScript.GREEK));
    scripts.put("th", Set.of(UnicodeScript.THAI));
    scripts.put("lo", Set.of(UnicodeScript.LAO));
    scripts.put("km", Set.of(UnicodeScript.KHMER));
    scripts.put("my", Set.of(UnicodeScript.MYANMAR));
    scripts.put("bn", Set.of(UnicodeScript.BENGALI));
    scripts.put("as", Set.of(UnicodeScript.BENGALI));
    scripts.put("pa", Set.of(UnicodeScript.GURMUKHI));
    scripts.put("gu", Set.of(UnicodeScript.GUJARATI));
    scripts.put("or", Set.of(UnicodeScript.ORIYA));
    scripts.put("ta", Set.of(UnicodeScript.TAMIL));
    scripts.put("te", Set.of(UnicodeScript.TELUGU));
    scripts.put("kn", Set.of(UnicodeScript.KANNADA));
    scripts.put("ml", Set.of(UnicodeScript.MALAYALAM));
    scripts.put("si", Set.of(UnicodeScript.SINHALA));
    scripts.put("ka", Set.of(UnicodeScript.GEORGIAN));
    scripts.put("hy", Set.of(UnicodeScript.ARMENIAN));
    scripts.put("am", Set.of(UnicodeScript.ETHIOPIC));
    scripts.put("ti", Set.of(UnicodeScript.ETHIOPIC));
    return Map.copyOf(scripts);
  }
}
