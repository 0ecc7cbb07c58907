package dev.grpo.reward.math;

import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a model's final answer against a gold answer. Thread-safe and allocation-light; one
 * instance can serve every reward worker.
 *
 * <pre>{@code
 * VerificationResult r = new MathVerifier().verify("\\frac{1}{2}", "... so the answer is $0.5$.");
 * r.status();   // OK
 * r.correct();  // true
 * }</pre>
 */
public final class MathVerifier {

  /** The detail of an OK, incorrect result whose prediction holds nothing the verifier can read. */
  public static final String NO_ANSWER_IN_PREDICTION = "no answer found in prediction";

  static final Pattern CHOICE_GOLD =
      Pattern.compile("^\\s*(?:\\\\text\\{\\s*)?\\(?\\s*([A-E])\\s*\\)?(?:\\s*\\})?\\s*$");

  /** Where a choice letter is looked for, strongest first; the last match of a pattern wins. */
  private static final List<Pattern> CHOICE_PREDICTION =
      List.of(
          Pattern.compile(
              "(?i:answer|option|choice)(?:\\s+is)?\\s*:?\\s*\\**\\(?\\**([A-E])\\**\\)?(?![A-Za-z])"),
          Pattern.compile("\\(([A-E])\\)"));

  private static final Pattern CHOICE_DECORATION =
      Pattern.compile("\\\\text(?:bf)?\\{|\\\\mathrm\\{|[\\s{}()$*.:]");

  static {
    // Class loading and regex compilation cost far more than one verification; pay them once here
    // instead of inside the first caller's time budget.
    MathVerifier warm =
        new MathVerifier(
            VerifierOptions.defaults().withTimeBudget(java.time.Duration.ofSeconds(30)));
    warm.verify("$\\frac{1}{2}$", "The final answer is $\\boxed{0.5}$. I hope it is correct.");
    warm.verify("x^2 + \\sqrt{2}", "Answer: 1,000 and $(x+1)^2 - \\sin(x)$");
    warm.verify("[1, 2)", "so $x \\in [1,2)$");
  }

  private final VerifierOptions options;

  public MathVerifier() {
    this(VerifierOptions.defaults());
  }

  public MathVerifier(VerifierOptions options) {
    this.options = Objects.requireNonNull(options, "options");
  }

  public VerifierOptions options() {
    return options;
  }

  /** Verifies with this verifier's options. */
  public VerificationResult verify(String gold, String prediction) {
    return verify(gold, prediction, options);
  }

  /**
   * Verifies with explicit options. Never throws for bad input and never runs past the time budget
   * by more than one guarded step.
   */
  public VerificationResult verify(String gold, String prediction, VerifierOptions options) {
    Deadline deadline = Deadline.after(options.timeBudget());
    Forms forms = new Forms(options);
    try {
      deadline.check();
      return compare(gold, prediction == null ? "" : prediction, options, deadline, forms);
    } catch (Deadline.Exceeded e) {
      return forms.result(VerificationStatus.TIMEOUT, "time budget exceeded");
    } catch (StackOverflowError e) {
      return forms.beyondGuards("input too deeply nested to scan");
    } catch (InputTooLargeException | ArithmeticException e) {
      return forms.beyondGuards(e.getMessage());
    } catch (RuntimeException e) {
      // A reward worker must not die on one odd completion; the status and detail keep it visible.
      return forms.result(VerificationStatus.INVALID_INPUT, "internal error: " + e);
    }
  }

  /**
   * Verifies the final-answer region of a formatted completion (an {@code <answer>} block or the
   * last boxes): like {@link #verify(String, String, VerifierOptions)}, but the region must state
   * one answer, see {@link FinalAnswerRules}.
   */
  public VerificationResult verifyFinalAnswer(String gold, String region, VerifierOptions options) {
    Deadline deadline = Deadline.after(options.timeBudget());
    try {
      FinalAnswerRules.Outcome outcome = FinalAnswerRules.check(gold, region, options, deadline);
      if (outcome.rejection() != null) {
        return outcome.rejection();
      }
      return verify(gold, outcome.prediction(), options);
    } catch (Deadline.Exceeded e) {
      return new VerificationResult(
          VerificationStatus.TIMEOUT, false, null, null, "time budget exceeded");
    } catch (StackOverflowError | InputTooLargeException | ArithmeticException e) {
      return new VerificationResult(
          VerificationStatus.PREDICTION_REJECTED, false, null, null, "answer beyond input guards");
    }
  }

  /** The canonical forms known so far; which side broke a guard decides whose fault it was. */
  private static final class Forms {
    private final VerifierOptions options;
    private Expr goldExpr;
    private String gold;
    private String prediction;

    Forms(VerifierOptions options) {
      this.options = options;
    }

    VerificationResult result(VerificationStatus status, String detail) {
      return new VerificationResult(status, false, gold, prediction, detail);
    }

    /** The prediction's fault unless the gold alone already breaks a guard. */
    VerificationResult beyondGuards(String detail) {
      boolean goldSound =
          goldExpr != null
              && new Equivalence(options, Deadline.after(options.timeBudget()))
                  .withinGuards(goldExpr);
      return result(
          goldSound ? VerificationStatus.PREDICTION_REJECTED : VerificationStatus.INVALID_INPUT,
          detail);
    }
  }

  private VerificationResult compare(
      String gold, String prediction, VerifierOptions options, Deadline deadline, Forms forms) {
    if (gold == null || gold.isBlank()) {
      return forms.result(VerificationStatus.NOT_APPLICABLE, "empty gold answer");
    }
    if (gold.length() > options.maxInputChars()) {
      return forms.result(
          VerificationStatus.INVALID_INPUT,
          "gold longer than " + options.maxInputChars() + " chars");
    }
    if (prediction.length() > options.maxInputChars()) {
      return forms.result(
          VerificationStatus.PREDICTION_REJECTED,
          "prediction longer than " + options.maxInputChars() + " chars");
    }
    Matcher choice = CHOICE_GOLD.matcher(gold);
    if (choice.matches()) {
      return verifyChoice(choice.group(1), prediction);
    }
    Extraction g = extract(gold, options, deadline, true);
    if (g.expr() == null) {
      return unparsedGold(gold, prediction, g, options, deadline, forms);
    }
    forms.goldExpr = g.expr();
    forms.gold = g.expr().render();
    Extraction p = extract(prediction, options, deadline, false);
    if (p.expr() == null) {
      return p.tooLarge()
          ? forms.result(VerificationStatus.PREDICTION_REJECTED, "prediction beyond input guards")
          : forms.result(VerificationStatus.OK, NO_ANSWER_IN_PREDICTION);
    }
    forms.prediction = p.expr().render();
    Equivalence equivalence = new Equivalence(options, deadline);
    boolean correct =
        equivalence.equivalent(g.expr(), p.expr())
            || (p.withoutPercent() != null && equivalence.equivalent(g.expr(), p.withoutPercent()));
    return new VerificationResult(
        VerificationStatus.OK,
        correct,
        forms.gold,
        forms.prediction,
        correct ? "equivalent" : "not equivalent");
  }

  /** Unparseable but written identically: a string match is still a sound verdict. */
  private static VerificationResult unparsedGold(
      String gold,
      String prediction,
      Extraction g,
      VerifierOptions options,
      Deadline deadline,
      Forms forms) {
    if (!g.tooLarge()) {
      String goldText = rawAnswer(gold, options, deadline, true);
      if (goldText != null && goldText.equals(rawAnswer(prediction, options, deadline, false))) {
        return new VerificationResult(
            VerificationStatus.OK, true, goldText, goldText, "identical unparsed answers");
      }
    }
    return forms.result(
        g.tooLarge() ? VerificationStatus.INVALID_INPUT : VerificationStatus.NOT_APPLICABLE,
        g.tooLarge() ? "gold answer beyond input guards" : "gold answer could not be parsed");
  }

  /**
   * @param withoutPercent the boxed answer without a percent sign written after the box, or null
   */
  private record Extraction(Expr expr, boolean tooLarge, Expr withoutPercent) {
    Extraction(Expr expr, boolean tooLarge) {
      this(expr, tooLarge, null);
    }
  }

  private static Extraction extract(
      String text, VerifierOptions options, Deadline deadline, boolean gold) {
    if (gold && options.formats().contains(AnswerFormat.LATEX) && isBare(text)) {
      // Dataset golds are usually bare ("\sqrt[3]{8}", "(-\infty, 3]"): searching them for
      // numbers would read "3" out of the cube root.
      try {
        return new Extraction(LatexParser.parse(text.trim(), deadline), false);
      } catch (ParseException e) {
        // Fall through to extraction: the gold may be a sentence.
      } catch (InputTooLargeException e) {
        return new Extraction(null, true);
      }
    }
    for (AnswerExtractor.Candidate c :
        AnswerExtractor.inTrialOrder(text, options.formats(), options.boxedPriority(), deadline)) {
      try {
        return new Extraction(
            LatexParser.parse(c.text(), deadline), false, percentAfterBox(c, text, deadline));
      } catch (ParseException e) {
        // Try the next candidate: a formula that does not parse is usually working, not the answer.
      } catch (InputTooLargeException e) {
        // The strongest remaining candidate is hostile; reading a weaker one (a stray "1" inside
        // it) would turn an attack into a reward.
        return new Extraction(null, true);
      }
    }
    if (gold) {
      // Dataset golds are often bare ("\sqrt{3}", "50\%"): read the whole string as the answer.
      try {
        return new Extraction(LatexParser.parse(text.trim(), deadline), false);
      } catch (ParseException e) {
        return new Extraction(null, false);
      } catch (InputTooLargeException e) {
        return new Extraction(null, true);
      }
    }
    return new Extraction(null, false);
  }

  /**
   * "\\boxed{10}\\%": the box alone, for a gold that is the bare number of percent; null when the
   * candidate is not a box followed by a percent sign.
   */
  private static Expr percentAfterBox(
      AnswerExtractor.Candidate c, String completion, Deadline deadline) {
    String text = c.text();
    if (!c.anchor().equals("boxed")
        || !text.endsWith("\\%")
        || completion.substring(c.start(), c.end()).contains("%")) {
      return null;
    }
    String inBox = text.substring(0, text.length() - 2);
    try {
      return LatexParser.parse(inBox, deadline);
    } catch (ParseException e) {
      return null;
    }
  }

  /** The strongest candidate answer as normalized text, or null. */
  private static String rawAnswer(
      String text, VerifierOptions options, Deadline deadline, boolean gold) {
    String raw;
    if (gold && options.formats().contains(AnswerFormat.LATEX) && isBare(text)) {
      raw = text;
    } else {
      List<AnswerExtractor.Candidate> candidates =
          AnswerExtractor.candidates(text, options.formats(), options.boxedPriority(), deadline);
      if (candidates.isEmpty()) {
        return null;
      }
      raw = candidates.get(0).text();
    }
    if (raw.length() > LatexParser.MAX_ANSWER_CHARS) {
      return null;
    }
    String normalized = AnswerNormalizer.normalize(raw).replaceAll("\\s+", "");
    return normalized.isEmpty() ? null : normalized;
  }

  /** No math delimiters, boxes or answer anchors: the whole gold string is the answer. */
  private static boolean isBare(String text) {
    // "\\$" is a dollar sign ("\\$15,\\!000"), not a math delimiter
    return text.replace("\\$", "").indexOf('$') < 0
        && !text.contains("\\(")
        && !text.contains("\\[")
        && !text.contains("\\boxed")
        && !text.contains("\\fbox")
        && !text.toLowerCase(java.util.Locale.ROOT).contains("answer");
  }

  /**
   * A letter gold ("B", "(B)", "\text{(B)}"). A box, when present, must hold exactly one letter, so
   * boxing every option never pays; otherwise "answer is (B)", then the last "(B)", then a
   * prediction that is only a letter.
   */
  static VerificationResult verifyChoice(String goldLetter, String prediction) {
    List<BoxedContent.Box> boxes = BoxedContent.find(prediction, Deadline.none());
    String chosen = null;
    if (!boxes.isEmpty()) {
      chosen = bareLetter(boxes.get(boxes.size() - 1).content());
      if (chosen == null) {
        return new VerificationResult(
            VerificationStatus.OK,
            false,
            goldLetter,
            null,
            "boxed answer is not one choice letter");
      }
    }
    for (int i = 0; chosen == null && i < CHOICE_PREDICTION.size(); i++) {
      Matcher m = CHOICE_PREDICTION.get(i).matcher(prediction);
      while (m.find()) {
        chosen = m.group(1);
      }
    }
    if (chosen == null) {
      chosen = bareLetter(prediction);
    }
    if (chosen == null) {
      return new VerificationResult(
          VerificationStatus.OK, false, goldLetter, null, "no choice letter in prediction");
    }
    return new VerificationResult(
        VerificationStatus.OK, chosen.equals(goldLetter), goldLetter, chosen, "multiple choice");
  }

  private static String bareLetter(String text) {
    String t = CHOICE_DECORATION.matcher(text).replaceAll("");
    return t.length() == 1 && t.charAt(0) >= 'A' && t.charAt(0) <= 'E' ? t : null;
  }
}
