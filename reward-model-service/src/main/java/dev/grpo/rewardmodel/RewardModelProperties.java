package dev.grpo.rewardmodel;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The reward-model service's settings ({@code grpo.reward-model.*}), validated at start-up.
 *
 * @param checkpoint a reward-model checkpoint folder (a {@code kind: reward_model} run's {@code
 *     epoch-N})
 * @param ruleName the name the rule is registered and requested under
 * @param maxForwardBatch the most sequences one forward pass scores; a larger group takes several
 * @param normalization optional normalisation of the rewards by calibration statistics
 */
@Validated
@ConfigurationProperties("grpo.reward-model")
public record RewardModelProperties(
    @NotNull Path checkpoint,
    @DefaultValue("learned_reward")
        @NotBlank
        @Pattern(regexp = "[a-z][a-z0-9_]{0,63}", message = "must be a rule name")
        String ruleName,
    @DefaultValue("64") @Min(1) @Max(4096) int maxForwardBatch,
    @DefaultValue @Valid Normalization normalization) {

  /**
   * @param calibration a JSONL file of {@code {"prompt", "completion"}} lines; when set, rewards
   *     are served as {@code (raw − mean) / std} over its raw rewards
   * @param stateDir where the computed statistics are kept across restarts
   */
  public record Normalization(Path calibration, @DefaultValue("reward-model-state") Path stateDir) {

    public boolean enabled() {
      return calibration != null;
    }
  }
}
