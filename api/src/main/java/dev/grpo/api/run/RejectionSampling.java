package dev.grpo.api.run;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.util.Map;

/**
 * How a {@code rejection_sampling} (or {@code distill}) run samples and what it keeps.
 *
 * @param samplesPerPrompt N completions per train prompt
 * @param thresholds per rule, the least score a kept completion has (R1 keeps {@code math_accuracy
 *     = 1}, {@code format = 1}); every rule named must be among the spec's rewards
 * @param maxCompletionTokens a longer completion is rejected; 0 keeps any length
 * @param keepTruncated whether a completion cut off by {@code rollout.maxTokens} may be kept
 * @param maxPerPrompt at most this many kept completions per prompt
 * @param minKept fewer kept rows than this fails the stage (with the counts per reason)
 * @param maxPrompts sample the first this many train prompts only (0: all of them)
 */
public record RejectionSampling(
    @NotNull @Min(1) @Max(256) Integer samplesPerPrompt,
    @NotNull Map<String, Double> thresholds,
    @NotNull @Min(0) @Max(131_072) Integer maxCompletionTokens,
    @NotNull Boolean keepTruncated,
    @NotNull @Min(1) @Max(256) Integer maxPerPrompt,
    @NotNull @Min(1) @Max(10_000_000) Integer minKept,
    @NotNull @Min(0) @Max(10_000_000) Integer maxPrompts) {

  public RejectionSampling {
    samplesPerPrompt = samplesPerPrompt == null ? 4 : samplesPerPrompt;
    thresholds = thresholds == null ? Map.of() : thresholds;
    maxCompletionTokens = maxCompletionTokens == null ? 0 : maxCompletionTokens;
    keepTruncated = keepTruncated != null && keepTruncated;
    maxPerPrompt = maxPerPrompt == null ? 1 : maxPerPrompt;
    minKept = minKept == null ? 1 : minKept;
    maxPrompts = maxPrompts == null ? 0 : maxPrompts;
  }
}
