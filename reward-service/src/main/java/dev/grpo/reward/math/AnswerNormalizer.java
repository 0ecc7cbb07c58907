package dev.grpo.reward.math;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * String clean-up of an extracted answer before parsing: presentation-only LaTeX, box unwrapping,
 * separators and units. Kept deliberately narrow: a rule that can delete mathematical content (such
 * as a unit list that swallows {@code \mathrm{e}}) is a false-positive generator.
 */
final class AnswerNormalizer {

  private static final Pattern ESCAPED_COMMAND = Pattern.compile("\\\\\\\\(?=[a-zA-Z])");
  private static final Pattern SPACING =
      Pattern.compile(
          "(?<!\\\\)\\\\(?:q?quad|displaystyle|textstyle|scriptstyle|[,;:! ]|big|Big|bigg|Bigg)(?:[lr](?![a-z]))?");
  private static final Pattern LEFT_RIGHT = Pattern.compile("\\\\(?:left|right)(?:\\s*\\.)?");
  private static final Pattern ABS_BARS = Pattern.compile("\\\\(?:[lr]?vert|[lr]Vert)(?![a-zA-Z])");
  private static final Pattern FRAC_VARIANT = Pattern.compile("\\\\[dtc]frac(?![a-z])");
  private static final Pattern BINOM_VARIANT = Pattern.compile("\\\\[dt]binom(?![a-z])");
  private static final Pattern DEGREES =
      Pattern.compile("\\^\\s*\\{?\\s*\\\\circ\\s*\\}?|\\\\circ(?![a-z])|°|\\\\degree(?![a-z])");
  private static final Pattern THIN_SPACE_SEPARATOR = Pattern.compile("(?<=\\d),\\\\!\\s*(?=\\d)");
  private static final Pattern BRACED_COMMA =
      Pattern.compile("(?<=\\d)\\s*\\{\\s*,\\s*\\}\\s*(?=\\d)");
  private static final Pattern TEXT_SEPARATOR =
      Pattern.compile("\\\\(?:text|mbox|textrm|mathrm)\\s*\\{\\s*(?:and|or)\\s*\\}");
  private static final Pattern WORD_SEPARATOR =
      Pattern.compile("(?<![A-Za-z\\\\{])(?:and|or)(?![A-Za-z])");
  private static final Pattern PERCENT_WORD =
      Pattern.compile("\\s*(?:percentage|percent|pct)\\s*\\.?\\s*$");

  /**
   * A trailing text command holding a word, or a single letter set off by a space ("\\mathrm{~m}"
   * in Chinese-exam answers); a bare single letter ("\\mathrm{e}") is content and stays.
   */
  private static final Pattern TRAILING_TEXT =
      Pattern.compile(
          "\\s*\\\\(?:text|textnormal|textbf|textit|textrm|mbox|mathrm|mathbf|mathit)\\s*\\{(?:\\s*([A-Za-z][A-Za-z .]*[A-Za-z.]|[a-zA-Z]{2,})|\\s+[A-Za-z])\\s*\\}(?:\\s*\\^\\s*\\{?[23]\\}?)?\\s*$");

  /** "4 4/9" written in plain text is four and four ninths. */
  private static final Pattern PLAIN_MIXED_NUMBER =
      Pattern.compile("^([-+]?)(\\d+)[ \\t]+(\\d+)\\s*/\\s*(\\d+)$");

  private static final Pattern THOUSANDS =
      Pattern.compile("^(-?)([1-9]\\d{0,2}(?:,\\d{3})+|[1-9]\\d{0,2}(?: \\d{3})+)(\\.\\d+)?$");
  private static final Pattern INFINITY_WORD =
      Pattern.compile("(?<![A-Za-z\\\\])(?:infinity|inf)(?![A-Za-z])");

  /** Trailing plain unit words, removed only after a digit, a closing brace or a space. */
  private static final Pattern UNIT_WORD =
      Pattern.compile(
          "(\\s*)(?:square|sq\\.?|cubic)?\\s*(?:"
              + String.join(
                  "|",
                  List.of(
                      "units?",
                      "cm",
                      "mm",
                      "km",
                      "m",
                      "meters?",
                      "metres?",
                      "centimeters?",
                      "kilometers?",
                      "inch(?:es)?",
                      "feet",
                      "foot",
                      "ft",
                      "yards?",
                      "miles?",
                      "kg",
                      "g",
                      "grams?",
                      "kilograms?",
                      "pounds?",
                      "lbs?",
                      "ounces?",
                      "liters?",
                      "litres?",
                      "ml",
                      "seconds?",
                      "sec",
                      "minutes?",
                      "min",
                      "hours?",
                      "hrs?",
                      "days?",
                      "weeks?",
                      "months?",
                      "years?",
                      "mph",
                      "km/h",
                      "dollars?",
                      "cents?",
                      "degrees?",
                      "points?",
                      "ways?",
                      "students?",
                      "people",
                      "yuan",
                      "euros?"))
              + ")(?:\\^\\{?[23]\\}?|²|³)?\\s*\\.?\\s*$");

  /** What may follow a unit word: power marks, a full stop, \s and the terminators $ skips. */
  private static final String UNIT_TRAILER = "^{}23\u00b2\u00b3. \t\n\u000b\f\r\u0085\u2028\u2029";

  private AnswerNormalizer() {}

  static String normalize(String answer) {
    String s = answer;
    boolean latex = s.indexOf('\\') >= 0;
    if (latex && (s.contains("\\boxed") || s.contains("\\fbox"))) {
      String inner = BoxedContent.all(s);
      if (inner != null) {
        s = inner;
      }
    }
    if (latex && !s.contains("matrix") && !s.contains("array")) {
      s = ESCAPED_COMMAND.matcher(s).replaceAll("\\\\");
    }
    s = s.replace("\\$", "").replace("$", "");
    s = s.replace('\n', ' ').replace('\t', ' ').replace('\r', ' ').replace('~', ' ');
    if (!isAscii(s)) {
      s = s.replace("−", "-").replace("×", "\\times ").replace("÷", "\\div ");
      s = s.replace("≤", "\\le ").replace("≥", "\\ge ").replace("≠", "\\ne ");
      s = s.replace("·", "\\cdot ").replace("π", "\\pi ").replace("∞", "\\infty ");
      s = s.replace("√", "\\sqrt").replace("°", "\\circ ");
      s = s.replace("²", "^2").replace("³", "^3").replace("\u00a0", " ");
      latex = true;
    }
    if (s.contains("{,")) {
      s = BRACED_COMMA.matcher(s).replaceAll("");
    }
    if (latex) {
      // ",\!" is the thin-space thousands separator MATH solutions use ("32,\! 349").
      s = THIN_SPACE_SEPARATOR.matcher(s).replaceAll("");
      s = SPACING.matcher(s).replaceAll(" ");
      s = LEFT_RIGHT.matcher(s).replaceAll("");
      s = ABS_BARS.matcher(s).replaceAll("|");
      s = FRAC_VARIANT.matcher(s).replaceAll("\\\\frac");
      s = BINOM_VARIANT.matcher(s).replaceAll("\\\\binom");
      s = DEGREES.matcher(s).replaceAll("");
      s = TEXT_SEPARATOR.matcher(s).replaceAll(",");
    }
    if (s.contains("and") || s.contains("or")) {
      s = WORD_SEPARATOR.matcher(s).replaceAll(",");
    }
    if (s.contains("inf")) {
      s = INFINITY_WORD.matcher(s).replaceAll("\\\\infty ");
    }
    s = stripTrailingPunctuation(s.trim());
    if (s.contains("p")) {
      Matcher pct = PERCENT_WORD.matcher(s);
      if (pct.find() && pct.start() > 0) {
        s = s.substring(0, pct.start()) + "\\%";
      }
    }
    if (hasLetter(s)) {
      s = stripUnits(s);
    }
    if (s.indexOf('/') > 0) {
      Matcher mixed = PLAIN_MIXED_NUMBER.matcher(s);
      if (mixed.matches()) {
        s =
            mixed.group(1)
                + mixed.group(2)
                + "\\frac{"
                + mixed.group(3)
                + "}{"
                + mixed.group(4)
                + "}";
      }
    }
    if (s.indexOf(',') >= 0 || s.indexOf(' ') >= 0) {
      Matcher th = THOUSANDS.matcher(s);
      if (th.matches()) {
        s =
            th.group(1)
                + th.group(2).replace(",", "").replace(" ", "")
                + (th.group(3) == null ? "" : th.group(3));
      }
    }
    return s.trim();
  }

  private static boolean isAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) > 127) {
        return false;
      }
    }
    return true;
  }

  private static boolean hasLetter(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c > 127) {
        return true;
      }
    }
    return false;
  }

  private static String stripTrailingPunctuation(String s) {
    if (s.endsWith("..")) {
      // An ellipsis ("1, 2, 3, ...") is part of the answer, not sentence punctuation.
      return s;
    }
    int end = s.length();
    while (end > 0) {
      char c = s.charAt(end - 1);
      if (c == '.' || c == ',' || c == ';' || c == ':' || Character.isWhitespace(c)) {
        end--;
      } else {
        break;
      }
    }
    return s.substring(0, end);
  }

  /**
   * False when {@link #TRAILING_TEXT} cannot match: it needs one of its text commands. The regex is
   * tried at every position of the answer, so this check saves most of its cost.
   */
  private static boolean mayHaveTextCommand(String s) {
    return s.contains("\\text") || s.contains("\\mbox") || s.contains("\\math");
  }

  /**
   * False when {@link #UNIT_WORD} cannot match: every unit word ends in a lower-case letter, and
   * only a power ({@code ^{2}}, {@code ³}), spaces and a full stop may follow it. The regex tries
   * its ~50 alternatives at every position of the answer, so this check saves most of its cost.
   */
  private static boolean mayEndInUnitWord(String s) {
    int end = s.length();
    while (end > 0 && UNIT_TRAILER.indexOf(s.charAt(end - 1)) >= 0) {
      end--;
    }
    return end > 0 && s.charAt(end - 1) >= 'a' && s.charAt(end - 1) <= 'z';
  }

  private static boolean endsLikeNumber(String s) {
    char c = s.charAt(s.length() - 1);
    return Character.isDigit(c) || c == '}' || c == '%';
  }

  /**
   * The unit a plain or LaTeX answer ends with ("5 \\text{ cm}" → "\\text{ cm}"), as removed by
   * normalization, or null when it states none.
   */
  static String trailingUnit(String answer) {
    String s = answer.replace("$", "").replace('~', ' ').trim();
    s = stripTrailingPunctuation(s);
    if (s.isEmpty() || !hasLetter(s)) {
      return null;
    }
    String stripped = stripUnits(s);
    return stripped.length() == s.length() ? null : s.substring(stripped.length()).trim();
  }

  private static String stripUnits(String s) {
    for (int round = 0; round < 3; round++) {
      Matcher text = mayHaveTextCommand(s) ? TRAILING_TEXT.matcher(s) : null;
      if (text != null && text.find() && text.start() > 0) {
        String rest = s.substring(0, text.start()).trim();
        if (!rest.isEmpty() && !rest.endsWith("=")) {
          s = rest;
          continue;
        }
      }
      Matcher unit = mayEndInUnitWord(s) ? UNIT_WORD.matcher(s) : null;
      if (unit != null && unit.find() && unit.start() > 0) {
        String rest = s.substring(0, unit.start()).trim();
        String word = s.substring(unit.end(1)).trim();
        boolean separated = !unit.group(1).isEmpty() || word.length() >= 2;
        // "2m" may be an algebraic answer; only a number followed by a spaced unit is stripped.
        if (!rest.isEmpty() && separated && endsLikeNumber(rest)) {
          s = rest;
          continue;
        }
      }
      break;
    }
    return s;
  }
}
