package dev.grpo.api.run;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

/**
 * A reward-model run ({@code kind: reward_model}): a score head on the policy backbone of {@code
 * model}, trained on preference pairs by the pairwise Bradley–Terry loss −log σ(r_chosen −
 * r_rejected − margin), with the held-out pairwise accuracy measured after every epoch.
 *
 * @param path the JSONL file of preference pairs
 * @param format its layout
 * @param promptField the column of the prompt ({@code pairs}, {@code ultrafeedback}); default
 *     {@code prompt}
 * @param chosenField the column of the preferred response; default {@code chosen}
 * @param rejectedField the column of the other response; default {@code rejected}
 * @param marginField a numeric column holding each pair's margin (absent: the fixed {@code margin})
 * @param margin the margin of every pair without a per-row one; default 0
 * @param limit read at most this many lines
 * @param evalFraction the share of pairs held out to measure accuracy on
 * @param epochs passes over the training pairs
 * @param batchSize pairs per optimizer update
 * @param parentCheckpoint a reward-model or policy checkpoint folder to start from (its lineage is
 *     recorded); absent starts from {@code model}
 */
public record RewardModelTraining(
    @NotBlank @Size(max = 4096) String path,
    @NotNull PreferenceFormat format,
    @NotBlank @Size(max = 200) String promptField,
    @NotBlank @Size(max = 200) String chosenField,
    @NotBlank @Size(max = 200) String rejectedField,
    @Size(max = 200) String marginField,
    @NotNull @DecimalMin("-100.0") @DecimalMax("100.0") Double margin,
    @NotNull @Min(1) @Max(10_000_000) Integer limit,
    @NotNull @DecimalMin(value = "0.0", inclusive = false) @DecimalMax("0.5") Double evalFraction,
    @NotNull @Min(1) @Max(1000) Integer epochs,
    @NotNull @Min(1) @Max(4096) Integer batchSize,
    @Size(max = 4096) String parentCheckpoint) {

  public RewardModelTraining {
    format = format == null ? PreferenceFormat.PAIRS : format;
    promptField = promptField == null ? "prompt" : promptField;
    chosenField = chosenField == null ? "chosen" : chosenField;
    rejectedField = rejectedField == null ? "rejected" : rejectedField;
    margin = margin == null ? 0.0 : margin;
    limit = limit == null ? 1_000_000 : limit;
    evalFraction = evalFraction == null ? 0.1 : evalFraction;
    epochs = epochs == null ? 1 : epochs;
    batchSize = batchSize == null ? 16 : batchSize;
  }
}
