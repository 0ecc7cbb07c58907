package dev.grpo.localstack;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.JsonNode;

/**
 * What {@code ./grpo demo} prints, as pure functions of what the trainer reported: the progress
 * line of a step, the line of an evaluation, and the before/after table. Numbers are formatted with
 * {@link Locale#ROOT}, so the output does not depend on the machine's locale.
 */
final class DemoReport {

  static final int BAR_WIDTH = 20;

  private DemoReport() {}

  /**
   * One finished step, from its {@code step} event.
   *
   * @param accuracy the mean of {@code math_accuracy} over the step's training completions
   * @param format the mean of {@code format} over them
   * @param kl null when the run has no KL term (β = 0)
   * @param seconds the trainer's own timing of the step ({@code phaseTimings.total})
   * @param finishedAt when the trainer finished the step (null when it did not say)
   * @param error why the step failed, when its state is not {@code DONE}
   */
  record StepProgress(
      int step,
      String state,
      Double rewardMean,
      Double rewardStd,
      Double accuracy,
      Double format,
      Double kl,
      Double seconds,
      Instant finishedAt,
      String error) {

    static StepProgress of(JsonNode event) {
      JsonNode metrics = event.path("metrics");
      JsonNode rules = metrics.path("rules");
      return new StepProgress(
          event.path("step").asInt(),
          text(event.path("state")),
          number(metrics.path("reward_mean")),
          number(metrics.path("reward_std")),
          number(rules.path("math_accuracy").path("mean")),
          number(rules.path("format").path("mean")),
          number(metrics.path("kl")),
          number(event.path("phaseTimings").path("total")),
          instant(event.path("finishedAt")),
          text(metrics.path("error")));
    }

    boolean done() {
      return "DONE".equals(state);
    }
  }

  /** What the cold start did, from the step-0 evaluation. */
  record ColdStartStats(int examples, int epochs, long updates, Double finalLoss, Double seconds) {}

  /**
   * One held-out evaluation, from its {@code eval} event.
   *
   * @param step how many GRPO steps the evaluated policy had taken
   * @param coldStart present on the step-0 evaluation of a run with a cold start
   */
  record EvalResult(
      int step,
      Double accuracy,
      Double formatRate,
      Double rewardMean,
      int items,
      ColdStartStats coldStart) {

    static EvalResult of(JsonNode event) {
      JsonNode metrics = event.path("metrics");
      JsonNode cs = metrics.path("cold_start");
      ColdStartStats coldStart =
          cs.isObject()
              ? new ColdStartStats(
                  cs.path("examples").asInt(),
                  cs.path("epochs").asInt(),
                  cs.path("updates").asLong(),
                  number(cs.path("final_loss")),
                  number(cs.path("seconds")))
              : null;
      return new EvalResult(
          event.path("step").asInt(),
          number(metrics.path("accuracy")),
          number(metrics.path("format_rate")),
          number(metrics.path("reward_mean")),
          metrics.path("items").asInt(),
          coldStart);
    }
  }

  /**
   * Wall-clock times measured by the client.
   *
   * @param coldStart from the run's creation to its first step event
   * @param rl from the first step event to the last
   * @param secondsPerStep the mean time between step events; null with fewer than two steps
   */
  record WallTimes(
      Duration stackStart,
      Duration coldStart,
      Duration rl,
      Double secondsPerStep,
      Duration total) {}

  static String coldStartLine(int examples) {
    return "cold start (SFT on %d formatted examples) ...".formatted(examples);
  }

  static String coldStartDone(ColdStartStats cs) {
    return String.format(
        Locale.ROOT,
        "cold start done: %d updates (%d epochs) in %s, final loss %s",
        cs.updates(),
        cs.epochs(),
        cs.seconds() == null ? "-" : seconds(cs.seconds()),
        fixed(cs.finalLoss(), 3));
  }

  /**
   * {@code step 12/60 [####................] reward 0.53 ± 0.31 acc 0.45 format 0.98 kl - 1.1
   * s/step ETA 0:53}: the count is of steps done (step numbers start at 0).
   */
  static String progressLine(StepProgress s, int totalSteps, double secondsPerStep) {
    int done = s.step() + 1;
    int width = Math.max(3, Integer.toString(totalSteps).length());
    String counter = ("step %" + width + "d/%d").formatted(done, totalSteps);
    if (!s.done()) {
      return "%s failed: %s".formatted(counter, s.error() == null ? "no reason given" : s.error());
    }
    int filled = totalSteps <= 0 ? 0 : Math.min(BAR_WIDTH, done * BAR_WIDTH / totalSteps);
    String bar = "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled);
    Duration eta =
        Duration.ofMillis(Math.round(Math.max(0, totalSteps - done) * secondsPerStep * 1000));
    return String.format(
        Locale.ROOT,
        "%s [%s] reward %s ± %s  acc %s  format %s  kl %s  %.1f s/step  ETA %s",
        counter,
        bar,
        fixed(s.rewardMean(), 2),
        fixed(s.rewardStd(), 2),
        fixed(s.accuracy(), 2),
        fixed(s.format(), 2),
        s.kl() == null ? " - " : fixed(s.kl(), 3),
        secondsPerStep,
        clock(eta));
  }

  /**
   * The mean time between the trainer's step ends (evaluations included), from its own timestamps:
   * the event stream polls the ledger, so steps that end close together arrive together. The first
   * step has only its own timing.
   */
  static double secondsPerStep(List<StepProgress> steps) {
    StepProgress first = steps.get(0);
    StepProgress last = steps.get(steps.size() - 1);
    if (steps.size() > 1 && first.finishedAt() != null && last.finishedAt() != null) {
      return Duration.between(first.finishedAt(), last.finishedAt()).toMillis()
          / 1000.0
          / (steps.size() - 1);
    }
    return last.seconds() == null ? 0 : last.seconds();
  }

  /** {@code eval @ step 20: held-out accuracy 0.62, format 1.00 (102 items)}. */
  static String evalLine(EvalResult e) {
    String format = e.formatRate() == null ? "" : ", format " + fixed(e.formatRate(), 2);
    return "eval @ step %d: held-out accuracy %s%s (%d items)"
        .formatted(e.step(), fixed(e.accuracy(), 2), format, e.items());
  }

  /**
   * The held-out accuracy, format rate and reward of the policy before GRPO ({@code before}, the
   * step-0 evaluation) and after it ({@code after}, the last one), their change, and where the time
   * went. Lines end with {@code \n}; none has trailing blanks.
   */
  static String table(EvalResult before, EvalResult after, WallTimes times) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"", "held-out accuracy", "format rate", "reward"});
    rows.add(
        new String[] {
          before.coldStart() != null ? "after cold-start SFT" : "initial policy",
          fixed(before.accuracy(), 3),
          fixed(before.formatRate(), 3),
          fixed(before.rewardMean(), 2)
        });
    rows.add(
        new String[] {
          "after RL (%d steps)".formatted(after.step()),
          fixed(after.accuracy(), 3),
          fixed(after.formatRate(), 3),
          fixed(after.rewardMean(), 2)
        });
    rows.add(
        new String[] {
          "change",
          change(before.accuracy(), after.accuracy()),
          change(before.formatRate(), after.formatRate()),
          ""
        });
    int labelWidth = 2 + rows.stream().mapToInt(r -> r[0].length()).max().orElse(0);
    int[] widths = {labelWidth, 17, 11, 6};
    StringBuilder out = new StringBuilder();
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder(pad(row[0], widths[0]));
      for (int c = 1; c < row.length; c++) {
        if (c > 1) {
          line.append("   ");
        }
        line.append(center(row[c], widths[c]));
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
    out.append(wallTimes(times)).append('\n');
    return out.toString();
  }

  /**
   * {@code wall time: stack start 95 s, cold start 24 s, RL 61 s (1.0 s/step), total 3 min 05 s}.
   */
  static String wallTimes(WallTimes t) {
    String perStep =
        t.secondsPerStep() == null
            ? ""
            : String.format(Locale.ROOT, " (%.1f s/step)", t.secondsPerStep());
    return "wall time: stack start %s, cold start %s, RL %s%s, total %s"
        .formatted(
            seconds(t.stackStart()),
            seconds(t.coldStart()),
            seconds(t.rl()),
            perStep,
            minutes(t.total()));
  }

  /** {@code 0:52}, {@code 12:05}, {@code 1:02:09}. */
  static String clock(Duration d) {
    long s = Math.round(d.toMillis() / 1000.0);
    if (s >= 3600) {
      return "%d:%02d:%02d".formatted(s / 3600, s / 60 % 60, s % 60);
    }
    return "%d:%02d".formatted(s / 60, s % 60);
  }

  /** {@code 95 s}. */
  static String seconds(Duration d) {
    return Math.round(d.toMillis() / 1000.0) + " s";
  }

  private static String seconds(double s) {
    return Math.round(s) + " s";
  }

  /** {@code 45 s} under a minute, {@code 3 min 05 s} from there. */
  static String minutes(Duration d) {
    long s = Math.round(d.toMillis() / 1000.0);
    return s < 60 ? s + " s" : "%d min %02d s".formatted(s / 60, s % 60);
  }

  /** The difference of the two numbers as printed, so that the table adds up. */
  private static String change(Double before, Double after) {
    if (before == null || after == null) {
      return "-";
    }
    BigDecimal delta = new BigDecimal(fixed(after, 3)).subtract(new BigDecimal(fixed(before, 3)));
    return (delta.signum() < 0 ? "" : "+") + delta.toPlainString();
  }

  private static String fixed(Double value, int decimals) {
    return value == null ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", value);
  }

  private static String pad(String s, int width) {
    return s + " ".repeat(Math.max(0, width - s.length()));
  }

  private static String center(String s, int width) {
    int left = Math.max(0, (width - s.length()) / 2);
    return pad(" ".repeat(left) + s, width);
  }

  private static Double number(JsonNode node) {
    return node.isNumber() ? node.asDouble() : null;
  }

  /** An ISO-8601 instant, or epoch seconds when the trainer writes dates as numbers. */
  private static Instant instant(JsonNode node) {
    if (node.isNumber()) {
      return Instant.ofEpochMilli(Math.round(node.asDouble() * 1000));
    }
    if (node.isString()) {
      try {
        return Instant.parse(node.asString());
      } catch (DateTimeParseException e) {
        return null;
      }
    }
    return null;
  }

  private static String text(JsonNode node) {
    return node.isString() ? node.asString() : null;
  }
}
