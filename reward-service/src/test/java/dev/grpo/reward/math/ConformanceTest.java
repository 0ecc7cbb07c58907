package dev.grpo.reward.math;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Runs every enabled row of the shared Math-Verify conformance table with the row's own options and
 * requires at least 95% agreement. Deliberate disagreements are listed in docs/math-verifier.md.
 */
class ConformanceTest {

  static final String TABLE = "shared/data/math-answer-conformance.tsv";
  private static final double REQUIRED_AGREEMENT = 0.95;

  /** Walks up from the working directory, since the table lives beside the repository. */
  static Path locateTable() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      Path candidate = dir.resolve(TABLE);
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
      dir = dir.getParent();
    }
    return fail(
        "conformance table "
            + TABLE
            + " not found in "
            + Path.of("").toAbsolutePath()
            + " or any parent directory");
  }

  static VerifierOptions optionsFor(Map<String, String> row) {
    String extraction = row.get("extraction");
    VerifierOptions o =
        VerifierOptions.defaults()
            .withFloatRounding(Integer.parseInt(row.get("float_rounding").trim()))
            .withStrict(Boolean.parseBoolean(row.get("strict").trim().toLowerCase()))
            .withAllowSetRelationComparison(
                Boolean.parseBoolean(row.get("allow_set_relation_comp").trim().toLowerCase()))
            // The table's rows were produced with 5 s budgets; keep CI jitter out of the verdicts.
            .withTimeBudget(Duration.ofSeconds(2));
    if (extraction.startsWith("parse() defaults")) {
      return o.withFormats(EnumSet.of(AnswerFormat.LATEX, AnswerFormat.EXPRESSION))
          .withBoxedPriority(50);
    }
    EnumSet<AnswerFormat> formats = EnumSet.noneOf(AnswerFormat.class);
    if (extraction.contains("Latex(")) {
      formats.add(AnswerFormat.LATEX);
    }
    if (extraction.contains("Expr(")) {
      formats.add(AnswerFormat.EXPRESSION);
    }
    o = o.withFormats(formats);
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("boxed_match_priority=(-?\\d+)").matcher(extraction);
    return o.withBoxedPriority(m.find() ? Integer.parseInt(m.group(1)) : 50);
  }

  @Test
  void agreesWithTheConformanceTable() throws IOException {
    List<Map<String, String>> rows = EscapedTsv.read(locateTable());
    MathVerifier verifier = new MathVerifier();
    int enabled = 0;
    int agree = 0;
    List<String> disagreements = new ArrayList<>();
    int line = 1;
    for (Map<String, String> row : rows) {
      line++;
      if (!"yes".equals(row.get("enabled").trim())) {
        continue;
      }
      enabled++;
      VerifierOptions options = optionsFor(row);
      VerificationResult r = verifier.verify(row.get("gold"), row.get("prediction"), options);
      boolean expected = "1".equals(row.get("expected").trim());
      if (r.correct() == expected) {
        agree++;
      } else {
        disagreements.add(
            String.format(
                "line %d [%s] expected=%s got=%s status=%s gold=%s pred=%s%n    gold text: %s%n    pred text: %s",
                line,
                row.get("category"),
                expected ? 1 : 0,
                r.correct() ? 1 : 0,
                r.status(),
                r.gold(),
                r.prediction(),
                abbreviate(row.get("gold")),
                abbreviate(row.get("prediction"))));
      }
    }
    double agreement = enabled == 0 ? 0 : (double) agree / enabled;
    System.out.printf(
        "Conformance: %d/%d enabled rows agree (%.1f%%)%n", agree, enabled, 100 * agreement);
    disagreements.forEach(d -> System.out.println("  DISAGREE " + d));
    assertThat(enabled).as("enabled rows").isGreaterThan(100);
    assertThat(agreement)
        .as(
            "agreement with the conformance table; disagreements:%n%s",
            String.join("\n", disagreements))
        .isGreaterThanOrEqualTo(REQUIRED_AGREEMENT);
  }

  private static String abbreviate(String s) {
    String flat = s.replace("\n", "\\n");
    return flat.length() <= 160
        ? flat
        : flat.substring(0, 60) + " … " + flat.substring(flat.length() - 90);
  }
}
