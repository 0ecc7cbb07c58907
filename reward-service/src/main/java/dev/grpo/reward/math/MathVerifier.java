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

  private static final Pattern CHOICE_GOLD =
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
    String goldForm = null;
    String predictionForm = null;
    try {
      deadline.check();
      if (gold == null || gold.isBlank()) {
        return new VerificationResult(
            VerificationStatus.NOT_APPLICABLE, false, null, null, "empty gold answer");
      }
      if (prediction == null) {
        prediction = "";
      }
      if (gold.length() > options.maxInputChars()
          || prediction.length() > options.maxInputChars()) {
        return new VerificationResult(
            VerificationStatus.INVALID_INPUT,
            false,
            null,
            null,
            "input longer than " + options.maxInputChars() + " chars");
      }
      Matcher choice = CHOICE_GOLD.matcher(gold);
      if (choice.matches()) {
        return verifyChoice(choice.group(1), prediction);
      }
      Extraction g = extract(gold, options, deadline, true);
      if (g.expr() == null && !g.tooLarge()) {
        // Unparseable but written identically: a string match is still a sound verdict.
        String goldText = rawAnswer(gold, options, deadline, true);
        if (goldText != null && goldText.equals(rawAnswer(prediction, options, deadline, false))) {
          return new VerificationResult(
              VerificationStatus.OK, true, goldText, goldText, "identical unparsed answers");
        }
      }
      if (g.expr() == null) {
        return new VerificationResult(
            g.tooLarge() ? VerificationStatus.INVALID_INPUT : VerificationStatus.NOT_APPLICABLE,
            false,
            null,
            null,
            g.tooLarge() ? "gold answer beyond input guards" : "gold answer could not be parsed");
      }
      goldForm = g.expr().render();
      Extraction p = extract(prediction, options, deadline, false);
      if (p.expr() == null) {
        if (p.tooLarge()) {
          return new VerificationResult(
              VerificationStatus.INVALID_INPUT,
              false,
              goldForm,
              null,
              "prediction beyond input guards");
        }
        return new VerificationResult(
            VerificationStatus.OK, false, goldForm, null, "no answer found in prediction");
      }
      predictionForm = p.expr().render();
      boolean correct = new Equivalence(options, deadline).equivalent(g.expr(), p.expr());
      return new VerificationResult(
          VerificationStatus.OK,
          correct,
          goldForm,
          predictionForm,
          correct ? "equivalent" : "not equivalent");
    } catch (Deadline.Exceeded e) {
      return new VerificationResult(
          VerificationStatus.TIMEOUT, false, goldForm, predictionForm, "time budget exceeded");
    } catch (StackOverflowError e) {
      return new VerificationResult(
          VerificationStatus.INVALID_INPUT,
          false,
          goldForm,
          predictionForm,
          "input too deeply nested to scan");
    } catch (InputTooLargeException | ArithmeticException e) {
      return new VerificationResult(
          VerificationStatus.INVALID_INPUT, false, goldForm, predictionForm, e.getMessage());
    } catch (RuntimeException e) {
      // A reward worker must not die on one odd completion; the status and detail keep it visible.
      return new VerificationResult(
          VerificationStatus.INVALID_INPUT,
          false,
          goldForm,
          predictionForm,
          "internal error: " + e);
    }
  }

  private record Extraction(Expr expr, boolean tooLarge) {}

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
        AnswerExtractor.candidates(text, options.formats(), options.boxedPriority(), deadline)) {
      try {
        return new Extraction(LatexParser.parse(c.text(), deadline), false);
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
    return text.indexOf('$') < 0
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
  private static VerificationResult verifyChoice(String goldLetter, String prediction) {
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
