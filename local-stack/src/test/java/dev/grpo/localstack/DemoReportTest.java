package dev.grpo.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.localstack.DemoReport.ColdStartStats;
import dev.grpo.localstack.DemoReport.EvalResult;
import dev.grpo.localstack.DemoReport.StepProgress;
import dev.grpo.localstack.DemoReport.WallTimes;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class DemoReportTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static StepProgress step(int step, Double kl) {
    return new StepProgress(step, "DONE", 0.534, 0.312, 0.45, 0.98, kl, 1.2, null, null);
  }

  @Test
  void theProgressLineCountsStepsDoneAndPrintsADashForAMissingKl() {
    assertThat(DemoReport.progressLine(step(11, null), 60, 1.1))
        .isEqualTo(
            "step  12/60 [####................] reward 0.53 ± 0.31  acc 0.45  format 0.98"
                + "  kl  -   1.1 s/step  ETA 0:53");
  }

  @Test
  void theLastStepFillsTheBarAndHasNothingLeft() {
    StepProgress last =
        new StepProgress(59, "DONE", 0.94, 0.12, 0.9, 1.0, 0.01234, 2.0, null, null);
    assertThat(DemoReport.progressLine(last, 60, 2.0))
        .isEqualTo(
            "step  60/60 [####################] reward 0.94 ± 0.12  acc 0.90  format 1.00"
                + "  kl 0.012  2.0 s/step  ETA 0:00");
  }

  @Test
  void longRunsWidenTheCounterAndTheEta() {
    assertThat(DemoReport.progressLine(step(9, null), 1000, 1.5))
        .startsWith("step   10/1000 [....................] ")
        .endsWith("1.5 s/step  ETA 24:45");
    assertThat(DemoReport.progressLine(step(0, null), 5000, 1.0))
        .startsWith("step    1/5000 [")
        .endsWith("ETA 1:23:19");
  }

  @Test
  void missingMetricsPrintAsDashes() {
    StepProgress bare = new StepProgress(0, "DONE", null, null, null, null, null, null, null, null);
    assertThat(DemoReport.progressLine(bare, 4, 0.5))
        .isEqualTo(
            "step   1/4 [#####...............] reward - ± -  acc -  format -  kl  -   0.5 s/step"
                + "  ETA 0:02");
  }

  @Test
  void theRateComesFromTheTrainersStepEndsNotFromWhenTheEventsArrived() {
    Instant t0 = Instant.parse("2025-01-01T00:00:00Z");
    StepProgress first = new StepProgress(0, "DONE", 0.1, 0.1, 0.1, 0.1, null, 0.8, t0, null);
    assertThat(DemoReport.secondsPerStep(List.of(first))).isEqualTo(0.8);
    List<StepProgress> three =
        List.of(
            first,
            new StepProgress(1, "DONE", 0.1, 0.1, 0.1, 0.1, null, 0.8, t0.plusMillis(1100), null),
            new StepProgress(2, "DONE", 0.1, 0.1, 0.1, 0.1, null, 0.8, t0.plusMillis(3000), null));
    assertThat(DemoReport.secondsPerStep(three)).isEqualTo(1.5);
  }

  @Test
  void aFailedStepSaysWhy() {
    StepProgress failed =
        new StepProgress(
            4, "FAILED", null, null, null, null, null, null, null, "reward-service 503");
    assertThat(DemoReport.progressLine(failed, 60, 1.0))
        .isEqualTo("step   5/60 failed: reward-service 503");
  }

  @Test
  void numbersDoNotFollowTheMachinesLocale() {
    Locale saved = Locale.getDefault();
    try {
      Locale.setDefault(Locale.GERMANY);
      assertThat(DemoReport.progressLine(step(11, 0.5), 60, 1.1))
          .contains("reward 0.53 ± 0.31", "kl 0.500  1.1 s/step");
    } finally {
      Locale.setDefault(saved);
    }
  }

  @Test
  void aStepEventIsReadFromItsMetricsRulesAndTimings() {
    String event =
        """
        {"step":12,"state":"DONE","policyVersion":13,
         "metrics":{"reward_mean":0.61,"reward_std":0.3,"kl":null,"loss":0.01,
                    "rules":{"math_accuracy":{"mean":0.5,"ok":128,"failed":{}},
                             "format":{"mean":0.875,"ok":128,"failed":{}}}},
         "phaseTimings":{"rollout":0.5,"total":1.25},
         "startedAt":"2025-01-01T00:00:00Z","finishedAt":"2025-01-01T00:00:01.250Z"}
        """;
    assertThat(StepProgress.of(JSON.readTree(event)))
        .isEqualTo(
            new StepProgress(
                12,
                "DONE",
                0.61,
                0.3,
                0.5,
                0.875,
                null,
                1.25,
                Instant.parse("2025-01-01T00:00:01.250Z"),
                null));
    String failed =
        """
        {"step":3,"state":"FAILED","policyVersion":4,
         "metrics":{"error":"math_accuracy: TIMEOUT","rule":"math_accuracy","attempt":1},
         "phaseTimings":{}}
        """;
    assertThat(StepProgress.of(JSON.readTree(failed)))
        .isEqualTo(
            new StepProgress(
                3, "FAILED", null, null, null, null, null, null, null, "math_accuracy: TIMEOUT"));
  }

  @Test
  void anEvalEventIsReadWithItsColdStart() {
    String event =
        """
        {"step":0,"policyVersion":1,
         "metrics":{"cold_start":{"examples":300,"epochs":12,"updates":120,"final_loss":0.412,
                                  "seconds":23.6},
                    "items":102,"greedy":true,"reward_mean":0.31,"completion_length_mean":9.5,
                    "rules":{"math_accuracy":{"mean":0.108,"ok":102},"format":{"mean":0.95,"ok":102}},
                    "accuracy_rule":"math_accuracy","accuracy":0.108,"format_rate":0.95,
                    "seconds":3.2},
         "createdAt":"2025-01-01T00:00:00Z"}
        """;
    EvalResult eval = EvalResult.of(JSON.readTree(event));
    assertThat(eval)
        .isEqualTo(
            new EvalResult(
                0, 0.108, 0.95, 0.31, 102, new ColdStartStats(300, 12, 120, 0.412, 23.6)));
    assertThat(DemoReport.coldStartDone(eval.coldStart()))
        .isEqualTo("cold start done: 120 updates (12 epochs) in 24 s, final loss 0.412");
    assertThat(DemoReport.evalLine(eval))
        .isEqualTo("eval @ step 0: held-out accuracy 0.11, format 0.95 (102 items)");
  }

  @Test
  void evalLines() {
    assertThat(DemoReport.evalLine(new EvalResult(20, 0.6176, 1.0, 0.8, 102, null)))
        .isEqualTo("eval @ step 20: held-out accuracy 0.62, format 1.00 (102 items)");
    assertThat(DemoReport.evalLine(new EvalResult(40, 0.5, null, 0.5, 40, null)))
        .isEqualTo("eval @ step 40: held-out accuracy 0.50 (40 items)");
    assertThat(DemoReport.coldStartLine(300))
        .isEqualTo("cold start (SFT on 300 formatted examples) ...");
  }

  @Test
  void theTableComparesTheColdStartWithTheLastEvalAndSaysWhereTheTimeWent() {
    EvalResult before =
        new EvalResult(0, 0.1084, 0.9512, 0.3123, 102, new ColdStartStats(300, 12, 120, 0.4, 24.0));
    EvalResult after = new EvalResult(60, 0.7196, 1.0, 0.9433, 102, null);
    WallTimes times =
        new WallTimes(
            Duration.ofMillis(95_400),
            Duration.ofMillis(24_300),
            Duration.ofMillis(60_800),
            1.03,
            Duration.ofMillis(185_200));
    assertThat(DemoReport.table(before, after, times))
        .isEqualTo(
            """
                                  held-out accuracy   format rate   reward
            after cold-start SFT        0.108            0.951       0.31
            after RL (60 steps)         0.720            1.000       0.94
            change                     +0.612           +0.049
            wall time: stack start 95 s, cold start 24 s, RL 61 s (1.0 s/step), total 3 min 05 s
            """);
  }

  @Test
  void withoutColdStartOrFormatRuleTheTableSaysSoAndShowsALoss() {
    EvalResult before = new EvalResult(0, 0.5, null, 0.5, 40, null);
    EvalResult after = new EvalResult(1000, 0.45, null, 0.45, 40, null);
    WallTimes times =
        new WallTimes(
            Duration.ofSeconds(30),
            Duration.ofSeconds(5),
            Duration.ZERO,
            null,
            Duration.ofSeconds(45));
    assertThat(DemoReport.table(before, after, times))
        .isEqualTo(
            " ".repeat(23)
                + "held-out accuracy   format rate   reward\n"
                + "initial policy"
                + " ".repeat(15)
                + "0.500"
                + " ".repeat(14)
                + "-"
                + " ".repeat(9)
                + "0.50\n"
                + "after RL (1000 steps)"
                + " ".repeat(8)
                + "0.450"
                + " ".repeat(14)
                + "-"
                + " ".repeat(9)
                + "0.45\n"
                + "change"
                + " ".repeat(22)
                + "-0.050"
                + " ".repeat(14)
                + "-\n"
                + "wall time: stack start 30 s, cold start 5 s, RL 0 s, total 45 s\n");
  }

  @Test
  void theChangeIsTheDifferenceOfThePrintedNumbers() {
    // 0.7196 - 0.1084 = 0.6112, but the table shows 0.720 and 0.108
    EvalResult before = new EvalResult(0, 0.1084, 1.0, 0.3, 10, null);
    EvalResult after = new EvalResult(5, 0.7196, 1.0, 0.9, 10, null);
    WallTimes times =
        new WallTimes(Duration.ZERO, Duration.ZERO, Duration.ZERO, null, Duration.ZERO);
    assertThat(DemoReport.table(before, after, times)).contains("+0.612", "+0.000");
  }

  @Test
  void durations() {
    assertThat(DemoReport.clock(Duration.ofSeconds(52))).isEqualTo("0:52");
    assertThat(DemoReport.clock(Duration.ofSeconds(725))).isEqualTo("12:05");
    assertThat(DemoReport.clock(Duration.ofSeconds(3729))).isEqualTo("1:02:09");
    assertThat(DemoReport.minutes(Duration.ofMillis(59_400))).isEqualTo("59 s");
    assertThat(DemoReport.minutes(Duration.ofSeconds(60))).isEqualTo("1 min 00 s");
    assertThat(DemoReport.minutes(Duration.ofSeconds(3725))).isEqualTo("62 min 05 s");
    assertThat(DemoReport.seconds(Duration.ofMillis(95_500))).isEqualTo("96 s");
  }
}
