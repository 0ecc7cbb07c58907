package dev.grpo.policy.sampling;

/**
 * One completion.
 *
 * <p>{@code tokenIds} and {@code logProbs} hold every sampled token, including the stop token and
 * the token that completed a stop string: they are what the model produced, so the trainer can
 * recompute and reinforce them (cutting a token in the middle of a stop string is impossible in
 * general). Only {@code text} is cut, as {@link SamplingParams#includeStopStrInOutput()} says.
 *
 * @param promptIndex index of the prompt in the request
 * @param sampleIndex 0..n-1 among the samples of that prompt
 * @param tokenIds generated token ids
 * @param logProbs log-probability of each generated token, as {@link SamplingParams#logprobMode()}
 * @param finishReason {@code STOP} or {@code LENGTH}
 * @param stopString the stop string that ended the sample, or null
 * @param stopTokenId the stop token id that ended the sample, or -1
 * @param text decoded completion (special tokens left out by the tokenizer), cut at the stop
 */
public record SampleOutput(
    int promptIndex,
    int sampleIndex,
    int[] tokenIds,
    float[] logProbs,
    FinishReason finishReason,
    String stopString,
    int stopTokenId,
    String text) {}
