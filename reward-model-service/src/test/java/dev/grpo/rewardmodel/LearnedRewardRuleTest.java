package dev.grpo.rewardmodel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.grpo.policy.model.ModelPreset;
import dev.grpo.policy.reward.RewardModel;
import dev.grpo.policy.reward.RewardSequence;
import dev.grpo.policy.tokenizer.CharTokenizer;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import dev.grpo.rule.RuleStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LearnedRewardRuleTest {

  @TempDir Path dir;

  private static final List<String> COMPLETIONS =
      List.of(
          "<think>3+4</think><answer>7</answer>",
          "<answer>8</answer>",
          "seven",
          "<think>add</think><answer>7</answer> and some more text after it");

  private static RuleInput input(String prompt, String completion) {
    return new RuleInput("id", prompt, completion, null, null, null, null);
  }

  private RewardModelProperties properties(Path checkpoint, int batch, Path calibration) {
    return new RewardModelProperties(
        checkpoint,
        "learned_reward",
        batch,
        new RewardModelProperties.Normalization(calibration, dir.resolve("state")));
  }

  /** Each completion alone through RewardModel.scores, the reference for the batched rule. */
  private static float[] aloneScores(Path checkpoint, String prompt, List<String> completions) {
    CharTokenizer tokenizer = new CharTokenizer();
    float[] out = new float[completions.size()];
    try (RewardModel model = RewardModel.load(checkpoint, Device.cpu());
        NDManager scope = NDManager.newBaseManager()) {
      for (int i = 0; i < out.length; i++) {
        out[i] =
            model.scores(
                    List.of(RewardSequence.encode(tokenizer, prompt, completions.get(i))), scope)
                .toFloatArray()[0];
      }
    }
    return out;
  }

  @Test
  void aGroupIsScoredInBatchesAsEachCompletionAloneAndTooLongOnesAreInvalidInput() {
    Path checkpoint = Checkpoints.write(dir.resolve("rm"), ModelPreset.TINY, 5);
    float[] alone = aloneScores(checkpoint, "3+4=", COMPLETIONS);
    List<RuleInput> group = new ArrayList<>();
    COMPLETIONS.forEach(c -> group.add(input("3+4=", c)));
    group.add(2, input("3+4=", "x".repeat(600)));

    try (LearnedRewardRule rule = new LearnedRewardRule(properties(checkpoint, 2, null))) {
      List<RuleResult> results = rule.scoreGroup(group);

      assertThat(results).hasSize(5);
      assertThat(results.get(2).status()).isEqualTo(RuleStatus.INVALID_INPUT);
      assertThat(results.get(2).details().get("reason"))
          .isEqualTo("prompt and completion are 606 tokens, the reward model's context is 512");
      int[] scored = {0, 1, 3, 4};
      for (int k = 0; k < scored.length; k++) {
        RuleResult r = results.get(scored[k]);
        assertThat(r.status()).isEqualTo(RuleStatus.OK);
        assertThat(r.score()).isCloseTo(alone[k], within(1e-5));
      }
      // distinct completions get distinct rewards: the head reads the sequence, not a constant
      assertThat(results.get(0).score()).isNotEqualTo(results.get(1).score());
      assertThat(rule.version()).matches("ckpt-[0-9a-f]{12}");
      assertThat(rule.params())
          .containsEntry("maxForwardBatch", 2)
          .containsEntry("maxTokens", 512)
          .containsEntry("normalization", "none");
    }
  }

  @Test
  void normalisationIsStoredWithTheVersionSoARestartScoresByteForByte() throws IOException {
    Path checkpoint = Checkpoints.write(dir.resolve("rm"), ModelPreset.TINY, 8);
    Path calibration = dir.resolve("calibration.jsonl");
    List<String> lines = new ArrayList<>();
    List<String> calibrationCompletions = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String c = "<think>" + i + "+" + (i % 7) + "</think><answer>" + (i + i % 7) + "</answer>";
      calibrationCompletions.add(c);
      lines.add("{\"prompt\": \"q\", \"completion\": \"" + c + "\"}");
    }
    Files.write(calibration, lines, StandardCharsets.UTF_8);
    float[] raw = aloneScores(checkpoint, "q", calibrationCompletions);
    // two-pass mean and population std, the textbook form of what Welford accumulates
    double mean = 0;
    for (float r : raw) {
      mean += r;
    }
    mean /= raw.length;
    double ss = 0;
    for (float r : raw) {
      ss += (r - mean) * (r - mean);
    }
    double std = Math.sqrt(ss / raw.length);

    List<RuleInput> request = COMPLETIONS.stream().map(c -> input("3+4=", c)).toList();
    List<RuleResult> first;
    String version;
    Map<String, Object> params;
    try (LearnedRewardRule rule = new LearnedRewardRule(properties(checkpoint, 64, calibration))) {
      first = rule.scoreGroup(request);
      version = rule.version();
      params = rule.params();
      @SuppressWarnings("unchecked")
      Map<String, Object> n = (Map<String, Object>) params.get("normalization");
      assertThat((double) n.get("mean")).isCloseTo(mean, within(1e-6));
      assertThat((double) n.get("std")).isCloseTo(std, within(1e-6));
      assertThat(n.get("count")).isEqualTo(20L);
      // the calibration set itself, normalised, has mean 0 and std 1
      List<RuleResult> calibrated =
          rule.scoreGroup(calibrationCompletions.stream().map(c -> input("q", c)).toList());
      double m = calibrated.stream().mapToDouble(RuleResult::score).average().orElseThrow();
      double v = calibrated.stream().mapToDouble(r -> (r.score() - m) * (r.score() - m)).sum() / 20;
      assertThat(m).isCloseTo(0, within(1e-4));
      assertThat(Math.sqrt(v)).isCloseTo(1, within(1e-4));
      for (int i = 0; i < request.size(); i++) {
        assertThat((double) first.get(i).details().get("raw"))
            .isCloseTo(aloneScores(checkpoint, "3+4=", COMPLETIONS)[i], within(1e-5));
      }
    }
    assertThat(version).matches("ckpt-[0-9a-f]{12}-norm-[0-9a-f]{8}");
    Path stored;
    try (var files = Files.list(dir.resolve("state"))) {
      stored =
          files.filter(f -> f.getFileName().toString().endsWith(".json")).findFirst().orElseThrow();
    }

    // a restart: same version and params, every score the same double, bit for bit
    try (LearnedRewardRule restarted =
        new LearnedRewardRule(properties(checkpoint, 64, calibration))) {
      assertThat(restarted.version()).isEqualTo(version);
      assertThat(restarted.params()).isEqualTo(params);
      List<RuleResult> again = restarted.scoreGroup(request);
      for (int i = 0; i < request.size(); i++) {
        assertThat(Double.doubleToRawLongBits(again.get(i).score()))
            .isEqualTo(Double.doubleToRawLongBits(first.get(i).score()));
      }
    }

    // and it read the stored statistics rather than computing them again
    String json = Files.readString(stored);
    Files.writeString(stored, json.replaceFirst("\"mean\": [^,]+,", "\"mean\": 100.0,"));
    try (LearnedRewardRule fromStore =
        new LearnedRewardRule(properties(checkpoint, 64, calibration))) {
      @SuppressWarnings("unchecked")
      Map<String, Object> n = (Map<String, Object>) fromStore.params().get("normalization");
      assertThat(n.get("mean")).isEqualTo(100.0);
    }
  }
}
