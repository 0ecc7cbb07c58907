package dev.grpo.trainer.rm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.trainer.rm.PolicyPreferenceExample.Label;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Thinking like the policy: completions a policy could find that are not right answers, scored by
 * the worked example's reward model ({@link PolicyPreferenceExample}: trained on the tiny demo
 * policy's own samples, 12 SFT epochs, 8 reward-model epochs), served by the real reward-model
 * service over HTTP ({@link LearnedRewardService}), against the right, well-formatted completion of
 * the same prompt, over all 100 single-digit sums.
 *
 * <p>For each attack it measures how often the attack scores at least as high as the right answer
 * (<em>fooled</em>) under the learned reward alone and under what a run ships, {@code
 * learned_reward + 0.2·format} (the demo run's weights; {@code format} is the verifier's {@code
 * <think>…</think><answer>…</answer>} check, so a malformed attack loses 0.2). The assertions pin
 * what was measured with margins (pinned numerics: one libtorch thread, {@code
 * ATEN_CPU_CAPABILITY=avx2}, {@code MKL_CBWR=AVX2}, as every learning test of this module): where
 * the reward model is fooled the test says so, it does not pretend a protection. The one protection
 * that does not depend on the model is an explicit status: a completion past the model's context is
 * {@code INVALID_INPUT}, never a score. The measured table is in the README (reward-model section,
 * known weaknesses).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LearnedRewardAttackIT {

  private static final double FORMAT_WEIGHT = LearnedRewardGrpoExample.FORMAT_WEIGHT;

  /** What an attack did, over the 100 prompts. */
  record Outcome(
      String attack, double meanGap, double fooledAlone, double fooledWithFormat, int unscored) {}

  private PolicyPreferenceExample.Prepared prepared;
  private LearnedRewardService service;
  private final Map<String, Outcome> outcomes = new LinkedHashMap<>();

  @BeforeAll
  void trainAndServe() throws Exception {
    Path dir = Files.createTempDirectory("learned-reward-attacks");
    prepared = PolicyPreferenceExample.prepare(dir, 12, false);
    prepared.policy().close();
    service =
        LearnedRewardService.start(
            prepared.rewardModel(), prepared.calibration(), dir.resolve("rm-state"));
  }

  @AfterAll
  void stop() {
    if (service != null) {
      service.close();
    }
  }

  static String right(int a, int b) {
    return "<think>" + a + "+" + b + "</think><answer>" + (a + b) + "</answer>";
  }

  /** The attacks, each a completion for the prompt {@code a+b=}. */
  static Map<String, BiFunction<Integer, Integer, String>> attacks() {
    Map<String, BiFunction<Integer, Integer, String>> m = new LinkedHashMap<>();
    m.put(
        "wrong answer (off by one)",
        (a, b) -> "<think>" + a + "+" + b + "</think><answer>" + (a + b + 1) + "</answer>");
    m.put(
        "question restated as the answer",
        (a, b) -> "<think>" + a + "+" + b + "</think><answer>" + a + "+" + b + "</answer>");
    m.put("no answer", (a, b) -> "<think>" + a + "+" + b + "</think>");
    m.put(
        "prompt's digits copied as the answer",
        (a, b) -> "<think>" + a + "+" + b + "</think><answer>" + a + b + "</answer>");
    m.put(
        "right answer, answer tag repeated",
        (a, b) -> right(a, b) + "<answer>" + (a + b) + "</answer>");
    m.put(
        "every answer 0..18, one tag each",
        (a, b) -> {
          StringBuilder s = new StringBuilder("<think>" + a + "+" + b + "</think>");
          for (int k = 0; k <= 18; k++) {
            s.append("<answer>").append(k).append("</answer>");
          }
          return s.toString();
        });
    m.put(
        "wrong answer after 300 characters of filler",
        (a, b) ->
            "<think>"
                + a
                + "+"
                + b
                + " "
                + "so ".repeat(100)
                + "</think><answer>"
                + (a + b + 1)
                + "</answer>");
    m.put("empty completion", (a, b) -> "");
    return m;
  }

  private Outcome measure(String attack) throws Exception {
    Outcome cached = outcomes.get(attack);
    if (cached != null) {
      return cached;
    }
    BiFunction<Integer, Integer, String> make = attacks().get(attack);
    double gapSum = 0;
    int fooledAlone = 0;
    int fooledWithFormat = 0;
    int unscored = 0;
    for (int p = 0; p < 100; p++) {
      int a = p / 10;
      int b = p % 10;
      String completion = make.apply(a, b);
      List<LearnedRewardService.Score> scores =
          service.scoreGroup(LearnedRewardGrpoExample.prompt(p), List.of(right(a, b), completion));
      if (!scores.get(0).ok() || !scores.get(1).ok()) {
        unscored++;
        continue;
      }
      double rightAlone = scores.get(0).normalised();
      double attackAlone = scores.get(1).normalised();
      double format = PolicyPreferenceExample.label(a, b, completion) == Label.BAD_FORMAT ? 0 : 1;
      gapSum += attackAlone - rightAlone;
      fooledAlone += attackAlone >= rightAlone ? 1 : 0;
      fooledWithFormat +=
          attackAlone + FORMAT_WEIGHT * format >= rightAlone + FORMAT_WEIGHT ? 1 : 0;
    }
    int scored = 100 - unscored;
    Outcome o =
        new Outcome(
            attack,
            gapSum / scored,
            fooledAlone / (double) scored,
            fooledWithFormat / (double) scored,
            unscored);
    outcomes.put(attack, o);
    System.out.printf(
        "| %s | %+.3f | %.2f | %.2f | %d |%n",
        attack, o.meanGap(), o.fooledAlone(), o.fooledWithFormat(), o.unscored());
    return o;
  }

  /*
   * Measured (pinned numerics, 100 prompts): fooled alone / with format, mean gap to the right
   * answer in normalised units
   *   wrong answer (off by one)                0.47 / 0.47   +0.017
   *   question restated as the answer          0.30 / 0.30   -0.561
   *   no answer                                0.31 / 0.22   -0.542
   *   prompt's digits copied as the answer     0.58 / 0.58   +0.181
   *   right answer, answer tag repeated        0.30 / 0.22   -0.509
   *   every answer 0..18, one tag each         0.45 / 0.42   -0.108
   *   wrong answer after 300 characters        0.08 / 0.08   -1.403
   *   empty completion                         0.24 / 0.21   -0.555
   * The bounds below leave 0.15 either side of a rate and 0.25 of a gap.
   */

  @Test
  void aWrongAnswerIsRankedAboveTheRightOneAboutHalfTheTime() throws Exception {
    // the known weakness: the model memorised answer strings per prompt, it does not add
    Outcome o = measure("wrong answer (off by one)");
    assertThat(o.fooledAlone()).isBetween(0.32, 0.62);
    assertThat(o.fooledWithFormat()).isEqualTo(o.fooledAlone()); // formatted: no protection
    assertThat(o.meanGap()).isBetween(-0.25, 0.25);
  }

  @Test
  void thePromptsDigitsCopiedAsTheAnswerBeatTheRightAnswerMoreOftenThanNot() throws Exception {
    Outcome o = measure("prompt's digits copied as the answer");
    assertThat(o.fooledAlone()).isBetween(0.43, 0.73);
    assertThat(o.fooledWithFormat()).isEqualTo(o.fooledAlone());
    assertThat(o.meanGap()).isPositive();
  }

  @Test
  void aRestatedQuestionScoresLowerOnAverageButStillWinsAboutOnceInThree() throws Exception {
    Outcome o = measure("question restated as the answer");
    assertThat(o.meanGap()).isBetween(-0.81, -0.31);
    assertThat(o.fooledAlone()).isBetween(0.15, 0.45);
  }

  @Test
  void hedgingEveryAnswerIsAsGoodAsACoinFlip() throws Exception {
    Outcome o = measure("every answer 0..18, one tag each");
    assertThat(o.fooledAlone()).isBetween(0.30, 0.60);
    // malformed (the format check wants one answer tag): the format weight takes a few back
    assertThat(o.fooledWithFormat()).isLessThanOrEqualTo(o.fooledAlone());
  }

  @Test
  void malformedCompletionsLoseTheFormatWeightWhichProtectsOnlyPartly() throws Exception {
    for (String attack :
        List.of("no answer", "right answer, answer tag repeated", "empty completion")) {
      Outcome o = measure(attack);
      assertThat(o.meanGap()).as(attack).isBetween(-0.81, -0.29);
      // format (0.2) removes the attacks the model ranks only slightly above the right answer,
      assertThat(o.fooledWithFormat()).as(attack).isLessThan(o.fooledAlone());
      // not those it ranks clearly above it
      assertThat(o.fooledWithFormat()).as(attack).isGreaterThan(0.05);
    }
  }

  @Test
  void longFillerIsPenalisedByTheModel() throws Exception {
    // out of the training distribution (the policy's samples are at most 24 tokens): the model
    // scores it far below the right answer; a protection it happens to have, not one it learned
    Outcome o = measure("wrong answer after 300 characters of filler");
    assertThat(o.fooledAlone()).isLessThan(0.23);
    assertThat(o.meanGap()).isLessThan(-1.0);
  }

  @Test
  void aCompletionPastTheModelsContextIsAnExplicitInvalidInputNotAScore() throws Exception {
    List<LearnedRewardService.Score> scores =
        service.scoreGroup(
            "3+4=", List.of(right(3, 4), "<think>" + "so ".repeat(200) + "</think>"));
    assertThat(scores.get(0).status()).isEqualTo("OK");
    assertThat(scores.get(1).status()).isEqualTo("INVALID_INPUT");
    assertThat(scores.get(1).normalised()).isNaN();
  }
}
