package dev.grpo.reward.language;

import java.lang.Character.UnicodeScript;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Splits prose into words, each with its Unicode script and the index of its sentence.
 *
 * <p>A word is a run of letters (with combining marks and inner apostrophes) of one script. In
 * scripts written without spaces between words (Han, kana, Thai, Lao, Khmer, Myanmar) each letter
 * is a word, as no segmenter is at hand. Runs that contain a digit or an underscore are numbers,
 * units or identifiers and are dropped, and so are one-letter words of other scripts: in a chain of
 * thought they are mostly variables ("x", "n", "α") and their language is ambiguous ("a", "I").
 */
final class ProseWords {

  /** One word of the prose; {@code text} is lower-cased with apostrophes normalised to '. */
  record Word(String text, UnicodeScript script, int sentence) {}

  private static final Set<UnicodeScript> LETTER_IS_WORD =
      EnumSet.of(
          UnicodeScript.HAN,
          UnicodeScript.HIRAGANA,
          UnicodeScript.KATAKANA,
          UnicodeScript.THAI,
          UnicodeScript.LAO,
          UnicodeScript.KHMER,
          UnicodeScript.MYANMAR);

  private static final String SENTENCE_ENDS = ".!?;:\n…。！？；：";

  private ProseWords() {}

  static List<Word> of(String prose) {
    Tokenizer tokenizer = new Tokenizer();
    for (int i = 0; i < prose.length(); ) {
      int codePoint = prose.codePointAt(i);
      int next = i + Character.charCount(codePoint);
      tokenizer.accept(codePoint, next < prose.length() ? prose.codePointAt(next) : -1);
      i = next;
    }
    tokenizer.flush();
    return tokenizer.words;
  }

  private static final class Tokenizer {
    private final List<Word> words = new ArrayList<>();
    private final StringBuilder current = new StringBuilder();
    private UnicodeScript currentScript;
    private int letters;
    private boolean hasDigitOrUnderscore;
    private int sentence;

    void accept(int codePoint, int following) {
      if (Character.isLetter(codePoint)) {
        UnicodeScript script = UnicodeScript.of(codePoint);
        boolean scriptless = script == UnicodeScript.COMMON || script == UnicodeScript.INHERITED;
        if (scriptless) {
          if (current.isEmpty()) {
            return; // e.g. a lone prolonged-sound mark: no script to attribute it to
          }
        } else if (LETTER_IS_WORD.contains(script)) {
          flush();
          currentScript = script;
        } else if (currentScript == null && !current.isEmpty()) {
          currentScript = script; // digits then letters, "3rd" or "2x": one token, dropped later
        } else if (script != currentScript) {
          flush();
          currentScript = script;
        }
        current.appendCodePoint(codePoint);
        letters++;
        if (LETTER_IS_WORD.contains(currentScript)) {
          flush();
        }
      } else if (isMark(codePoint) && !current.isEmpty()) {
        current.appendCodePoint(codePoint);
      } else if (isApostrophe(codePoint) && !current.isEmpty() && Character.isLetter(following)) {
        current.append('\'');
      } else if (Character.isDigit(codePoint) || codePoint == '_') {
        hasDigitOrUnderscore = true;
        current.appendCodePoint(codePoint);
      } else {
        flush();
        if (SENTENCE_ENDS.indexOf(codePoint) >= 0) {
          sentence++;
        }
      }
    }

    void flush() {
      boolean keep =
          !current.isEmpty()
              && !hasDigitOrUnderscore
              && currentScript != null
              && (letters > 1 || LETTER_IS_WORD.contains(currentScript));
      if (keep) {
        words.add(new Word(current.toString().toLowerCase(Locale.ROOT), currentScript, sentence));
      }
      current.setLength(0);
      currentScript = null;
      letters = 0;
      hasDigitOrUnderscore = false;
    }

    private static boolean isMark(int codePoint) {
      int type = Character.getType(codePoint);
      return type == Character.NON_SPACING_MARK
          || type == Character.COMBINING_SPACING_MARK
          || type == Character.ENCLOSING_MARK;
    }

    private static boolean isApostrophe(int codePoint) {
      return codePoint == '\'' || codePoint == '\u2019';
    }
  }
}
