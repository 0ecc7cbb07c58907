package dev.grpo.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.localstack.Soak.Answer;
import dev.grpo.localstack.Soak.Probe;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SoakReportTest {

  private static final Probe PROBE =
      new Probe("score", n -> null, SoakProbes.OK, Duration.ofSeconds(1));

  @Test
  void percentilesAreNearestRank() {
    double[] sorted = new double[100];
    for (int i = 0; i < 100; i++) {
      sorted[i] = i + 1; // 1..100
    }
    assertThat(SoakReport.percentile(sorted, 0.50)).isEqualTo(50);
    assertThat(SoakReport.percentile(sorted, 0.99)).isEqualTo(99);
    assertThat(SoakReport.percentile(new double[] {7}, 0.99)).isEqualTo(7);
    assertThat(SoakReport.percentile(new double[0], 0.5)).isZero();
  }

  @Test
  void aKindPassesOnlyWhenEveryRequestWasAnsweredAsExpectedWithinItsBound() {
    List<Answer> fast = List.of(new Answer(200, "", 2_000_000), new Answer(200, "", 4_000_000));
    SoakReport good = SoakReport.of(List.of(PROBE), Map.of("score", fast), Map.of(), List.of());
    assertThat(good.passed()).isTrue();
    assertThat(good.rows().get(0).statuses()).isEqualTo(Map.of(200, 2));
    assertThat(good.rows().get(0).p99Millis()).isEqualTo(4.0);

    List<Answer> slow = List.of(new Answer(200, "", 1_500_000_000L));
    assertThat(SoakReport.of(List.of(PROBE), Map.of("score", slow), Map.of(), List.of()).passed())
        .as("p99 1.5 s over a 1 s bound")
        .isFalse();

    List<Answer> silent = List.of(new Answer(200, "", 1), new Answer(-1, "no answer", 1));
    SoakReport lost = SoakReport.of(List.of(PROBE), Map.of("score", silent), Map.of(), List.of());
    assertThat(lost.rows().get(0).unanswered()).isEqualTo(1);
    assertThat(lost.passed()).isFalse();

    assertThat(
            SoakReport.of(
                    List.of(PROBE),
                    Map.of("score", fast),
                    Map.of("score", List.of("500 x")),
                    List.of())
                .passed())
        .isFalse();
    assertThat(
            SoakReport.of(List.of(PROBE), Map.of("score", fast), Map.of(), List.of("died"))
                .passed())
        .isFalse();
    assertThat(SoakReport.of(List.of(PROBE), Map.of(), Map.of(), List.of()).passed())
        .as("a kind never sent proves nothing")
        .isFalse();
  }

  @Test
  void hostileRequestsMayBeRefusedButNotDroppedOrAnsweredWith5xx() {
    assertThat(SoakProbes.ANSWERED.test(new Answer(413, "", 1))).isTrue();
    assertThat(SoakProbes.ANSWERED.test(new Answer(200, "", 1))).isTrue();
    assertThat(SoakProbes.ANSWERED.test(new Answer(503, "", 1))).isFalse();
    assertThat(SoakProbes.ANSWERED.test(new Answer(-1, "", 1))).isFalse();
  }

  @Test
  void optionsDefaultToThirtyMinutesFromEightClientsAndRejectNonsense() {
    assertThat(SoakOptions.parse(List.of())).isEqualTo(new SoakOptions(Duration.ofMinutes(30), 8));
    assertThat(SoakOptions.parse(List.of("--minutes", "2", "--clients", "4")))
        .isEqualTo(new SoakOptions(Duration.ofMinutes(2), 4));
    assertThat(SoakOptions.parse(List.of("--minutes"))).isNull();
    assertThat(SoakOptions.parse(List.of("--minutes", "0"))).isNull();
    assertThat(SoakOptions.parse(List.of("--hours", "1"))).isNull();
    assertThat(SoakOptions.parse(List.of("--clients", "x"))).isNull();
  }
}
