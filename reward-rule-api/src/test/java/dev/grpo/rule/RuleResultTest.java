package dev.grpo.rule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RuleResultTest {

  @Test
  void onlyAnOkCarriesAScoreAndItIsFinite() {
    assertThat(RuleStatus.OK.checkScore(0.25)).isEqualTo(0.25);
    assertThat(RuleStatus.TIMEOUT.checkScore(null)).isNull();
    assertThatThrownBy(() -> RuleStatus.OK.checkScore(null))
        .hasMessage("an OK result needs a finite score, got null");
    assertThatThrownBy(() -> RuleStatus.OK.checkScore(Double.POSITIVE_INFINITY))
        .hasMessage("an OK result needs a finite score, got Infinity");
    assertThatThrownBy(() -> RuleResult.ok(Double.NaN))
        .hasMessage("an OK result needs a finite score, got NaN");
    for (RuleStatus notOk :
        List.of(
            RuleStatus.NOT_APPLICABLE,
            RuleStatus.TIMEOUT,
            RuleStatus.ERROR,
            RuleStatus.INVALID_INPUT)) {
      assertThatThrownBy(() -> new RuleResult(notOk, 0.0, Map.of()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("only an OK result carries a score, got " + notOk);
    }
  }

  @Test
  void theStatusNamesAreTheStoredAndWireValues() {
    assertThat(RuleStatus.values())
        .extracting(Enum::name)
        .containsExactly("OK", "NOT_APPLICABLE", "TIMEOUT", "ERROR", "INVALID_INPUT");
  }

  @Test
  void theReasonComesFirstAndWinsOverTheDetails() {
    RuleResult result = RuleResult.error("boom", Map.of("reason", "overridden", "at", 2));
    assertThat(result.score()).isNull();
    assertThat(result.details()).containsExactly(Map.entry("reason", "boom"), Map.entry("at", 2));
  }

  @Test
  void aThrownExceptionIsAnErrorNamingIt() {
    RuleResult result = RuleResult.thrown("length", new IllegalStateException("no tokens"));
    assertThat(result.status()).isEqualTo(RuleStatus.ERROR);
    assertThat(result.details())
        .containsExactly(
            Map.entry("reason", "rule length threw IllegalStateException: no tokens"),
            Map.entry("exception", "java.lang.IllegalStateException"),
            Map.entry("message", "no tokens"));
  }

  @Test
  void theReferenceFieldsReadThroughANullReference() {
    RuleInput bare = RuleInput.ofCompletion("x");
    assertThat(bare.answer()).isNull();
    assertThat(bare.language()).isNull();
    RuleInput full =
        new RuleInput(
            "i", "p", "x", new RuleInput.Reference("42", List.of("t"), "de"), 3, 10, true);
    assertThat(full.answer()).isEqualTo("42");
    assertThat(full.tests()).isEqualTo(List.of("t"));
    assertThat(full.language()).isEqualTo("de");
  }
}
