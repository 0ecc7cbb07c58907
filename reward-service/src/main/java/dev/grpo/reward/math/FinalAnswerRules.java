package dev.grpo.reward.math;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a final-answer region (an {@code <answer>} block or the last boxes) must satisfy before its
 * answer is compared, so that hedging never pays:
 *
 * <ul>
 *   <li>digits are ASCII: a fullwidth or other non-ASCII digit ("３") makes the answer wrong;
 *   <li>a choice gold needs exactly one choice letter ("(A) (B)" is wrong);
 *   <li>a unit stated on both sides must be the same unit ("5 seconds" is not "5 cm"); a unit on
 *       one side only is implied by the question and ignored;
 *   <li>a region that reads as one formula is that formula ("-3, 3" and "\pm 3" are two values, "4
 *       or 5" a set); prose with several different values ("3 … no, 4") is ambiguous and wrong.
 * </ul>
 */
final class FinalAnswerRules {

  /** A verdict reached here, or the prediction text to verify. */
  record Outcome(VerificationResult rejection, String prediction) {}

  private static final Pattern LETTER = Pattern.compile("(?<![A-Za-z\\\\])([A-E])(?![A-Za-z])");
  private static final Pattern TEXT_COMMAND =
      Pattern.compile("\\\\(?:text|textbf|textrm|mathrm|mbox|mathbf)\\s*\\{");
  private static final Pattern TEXT_BLOCK =
      Pattern.compile("\\\\(?:text|textbf|textrm|mathrm|mbox)\\s*\\{[^{}]*\\}");
  private static final Pattern ENVIRONMENT = Pattern.compile("\\\\(?:begin|end)\\{[A-Za-z*]+\\}");
  private static final Pattern COMMAND = Pattern.compile("\\\\[A-Za-z]+");
  private static final Pattern WORD = Pattern.compile("[A-Za-z]{3,}");
  private static final Pattern DELIMITERS = Pattern.compile("\\$|\\\\[()\\[\\]]");

  private static final Map<String, String> UNIT_NAMES =
      Map.ofEntries(
          Map.entry("centimeter", "cm"),
          Map.entry("centimetre", "cm"),
          Map.entry("millimeter", "mm"),
          Map.entry("meter", "m"),
          Map.entry("metre", "m"),
          Map.entry("kilometer", "km"),
          Map.entry("inche", "in"),
          Map.entry("inch", "in"),
          Map.entry("feet", "ft"),
          Map.entry("foot", "ft"),
          Map.entry("second", "s"),
          Map.entry("sec", "s"),
          Map.entry("minute", "min"),
          Map.entry("hour", "h"),
          Map.entry("hr", "h"),
          Map.entry("kilogram", "kg"),
          Map.entry("gram", "g"),
          Map.entry("pound", "lb"),
          Map.entry("liter", "l"),
          Map.entry("litre", "l"));

  private FinalAnswerRules() {}

  static Outcome check(String gold, String region, VerifierOptions options, Deadline deadline) {
    String content = content(region, deadline);
    for (int i = 0; i < content.length(); i++) {
      char c = content.charAt(i);
      if (Character.isDigit(c) && (c < '0' || c > '9')) {
        return wrong("non-ASCII digit '" + c + "' in the answer (digits must be 0-9)");
      }
    }
    if (MathVerifier.CHOICE_GOLD.matcher(gold).matches()) {
      TreeSet<String> letters = choiceLetters(content);
      return letters.size() > 1 ? wrong("several choice letters " + letters) : pass(region);
    }
    String goldUnit = unit(gold);
    String predictionUnit = unit(content);
    if (goldUnit != null && predictionUnit != null && !goldUnit.equals(predictionUnit)) {
      return wrong("unit '" + predictionUnit + "' where the gold is in '" + goldUnit + "'");
    }
    if (readsAsFormula(content)) {
      try {
        LatexParser.parse(content, deadline);
        return pass("\\boxed{" + content + "}");
      } catch (ParseException e) {
        // prose after all: look for the values it states
      }
    }
    boolean hedged = asksOneValue(gold, deadline) && ambiguous(content, options, deadline);
    return hedged ? wrong("several different answers") : pass(region);
  }

  /** The boxes' contents when the region is boxed, else the region without math delimiters. */
  private static String content(String region, Deadline deadline) {
    List<BoxedContent.Box> boxes = BoxedContent.find(region, deadline);
    if (boxes.isEmpty()) {
      return DELIMITERS.matcher(region).replaceAll(" ").trim();
    }
    StringBuilder sb = new StringBuilder();
    for (BoxedContent.Box box : BoxedContent.lastGroup(boxes, region)) {
      sb.append(sb.length() > 0 ? ", " : "").append(box.content());
    }
    return sb.toString().trim();
  }

  private static TreeSet<String> choiceLetters(String content) {
    String bare = TEXT_COMMAND.matcher(content).replaceAll(" ").replace("{", " ").replace("}", " ");
    TreeSet<String> letters = new TreeSet<>();
    Matcher m = LETTER.matcher(bare);
    while (m.find()) {
      letters.add(m.group(1));
    }
    return letters;
  }

  /** The stated unit in one spelling ("\text{ centimeters}" → "cm"); "units" states none. */
  static String unit(String answer) {
    String raw = AnswerNormalizer.trailingUnit(answer);
    if (raw == null) {
      return null;
    }
    String u = COMMAND.matcher(raw).replaceAll("").replaceAll("[{}\\s.]", "");
    u = u.toLowerCase(Locale.ROOT);
    if (u.length() > 2 && u.endsWith("s")) {
      u = u.substring(0, u.length() - 1);
    }
    if (u.isEmpty() || u.equals("unit")) {
      return null;
    }
    return UNIT_NAMES.getOrDefault(u, u);
  }

  /** No word of three or more letters outside LaTeX commands and {@code \text{}} units. */
  private static boolean readsAsFormula(String content) {
    String body = TEXT_BLOCK.matcher(ENVIRONMENT.matcher(content).replaceAll(" ")).replaceAll(" ");
    return !WORD.matcher(COMMAND.matcher(body).replaceAll(" ")).find();
  }

  /** False when the gold is itself several values (a set, tuple, interval or matrix). */
  private static boolean asksOneValue(String gold, Deadline deadline) {
    try {
      Expr g = LatexParser.parse(gold, deadline);
      return !(g instanceof Expr.SetOf
          || g instanceof Expr.Tuple
          || g instanceof Expr.Interval
          || g instanceof Expr.Union
          || g instanceof Expr.Matrix);
    } catch (ParseException e) {
      return true;
    }
  }

  /** Two or more outermost candidate answers in the region that are not the same value. */
  private static boolean ambiguous(String content, VerifierOptions options, Deadline deadline) {
    List<AnswerExtractor.Candidate> parsedCandidates = new ArrayList<>();
    List<Expr> values = new ArrayList<>();
    for (AnswerExtractor.Candidate c :
        AnswerExtractor.candidates(content, options.formats(), options.boxedPriority(), deadline)) {
      try {
        Expr e = LatexParser.parse(c.text(), deadline);
        parsedCandidates.add(c);
        values.add(e);
      } catch (ParseException e) {
        // working, not an answer
      }
    }
    Expr first = null;
    Equivalence equivalence = new Equivalence(options, deadline);
    for (int i = 0; i < parsedCandidates.size(); i++) {
      if (insideAnother(parsedCandidates, i)) {
        continue;
      }
      if (first == null) {
        first = values.get(i);
      } else if (!equivalence.equivalent(first, values.get(i))) {
        return true;
      }
    }
    return false;
  }

  private static boolean insideAnother(List<AnswerExtractor.Candidate> all, int i) {
    AnswerExtractor.Candidate c = all.get(i);
    for (int j = 0; j < all.size(); j++) {
      AnswerExtractor.Candidate o = all.get(j);
      boolean covers = o.start() <= c.start() && c.end() <= o.end();
      boolean larger = o.end() - o.start() > c.end() - c.start();
      if (j != i && covers && (larger || j < i)) {
        return true;
      }
    }
    return false;
  }

  private static Outcome wrong(String why) {
    return new Outcome(new VerificationResult(VerificationStatus.OK, false, null, null, why), null);
  }

  private static Outcome pass(String prediction) {
    return new Outcome(null, prediction);
  }
}
