package dev.grpo.policy.sampling;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * How {@link BatchSampler} generates, with vLLM's names and defaults where they exist.
 *
 * @param n samples per prompt; the prompt is prefilled once and its cache shared by its samples
 * @param temperature logits are divided by it; 0 means greedy (argmax, first maximum on ties)
 * @param topP nucleus sampling: keep the most likely tokens whose cumulative probability first
 *     reaches {@code topP} (at least one); 1 keeps all. Applied after top-k, as vLLM does
 * @param topK keep the {@code topK} most likely tokens; 0 (or -1) keeps all
 * @param maxTokens upper bound on generated tokens per sample
 * @param stop stop strings, looked for in the decoded completion text
 * @param stopTokenIds ids that end a sample (the tokenizer's EOS is added unless {@code ignoreEos})
 * @param ignoreEos do not stop at the tokenizer's EOS
 * @param includeStopStrInOutput whether {@link SampleOutput#text()} keeps the stop string (or the
 *     text of the stop token); the token ids always keep it (see {@link SampleOutput})
 * @param seed seed of the per-sample random streams (see {@link BatchSampler})
 * @param logprobMode which log-probability to report for each token
 */
public record SamplingParams(
    int n,
    float temperature,
    float topP,
    int topK,
    int maxTokens,
    List<String> stop,
    Set<Integer> stopTokenIds,
    boolean ignoreEos,
    boolean includeStopStrInOutput,
    long seed,
    LogprobMode logprobMode) {

  public SamplingParams {
    if (n < 1) {
      throw new IllegalArgumentException("n must be >= 1, was " + n);
    }
    if (!(temperature >= 0) || Float.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature must be finite and >= 0, was " + temperature);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("topP must be in (0, 1], was " + topP);
    }
    if (topK < -1) {
      throw new IllegalArgumentException("topK must be -1, 0 (all) or positive, was " + topK);
    }
    if (maxTokens < 1) {
      throw new IllegalArgumentException("maxTokens must be >= 1, was " + maxTokens);
    }
    stop = List.copyOf(stop);
    if (stop.stream().anyMatch(String::isEmpty)) {
      throw new IllegalArgumentException("stop strings must not be empty");
    }
    stopTokenIds = Set.copyOf(new TreeSet<>(stopTokenIds));
    if (logprobMode == null) {
      throw new IllegalArgumentException("logprobMode is required");
    }
  }

  /** Whether decoding is greedy (temperature 0). */
  public boolean greedy() {
    return temperature == 0f;
  }

  /** Defaults: n 1, temperature 1, top-p 1, top-k off, 16 tokens, no stop strings, seed 0, RAW. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder initialised from these values. */
  public Builder toBuilder() {
    return new Builder()
        .n(n)
        .temperature(temperature)
        .topP(topP)
        .topK(topK)
        .maxTokens(maxTokens)
        .stop(stop)
        .stopTokenIds(stopTokenIds)
        .ignoreEos(ignoreEos)
        .includeStopStrInOutput(includeStopStrInOutput)
        .seed(seed)
        .logprobMode(logprobMode);
  }

  /** Builder of {@link SamplingParams}. */
  public static final class Builder {
    private int n = 1;
    private float temperature = 1f;
    private float topP = 1f;
    private int topK = 0;
    private int maxTokens = 16;
    private List<String> stop = List.of();
    private Set<Integer> stopTokenIds = Set.of();
    private boolean ignoreEos;
    private boolean includeStopStrInOutput;
    private long seed;
    private LogprobMode logprobMode = LogprobMode.RAW;

    private Builder() {}

    public Builder n(int value) {
      n = value;
      return this;
    }

    public Builder temperature(float value) {
      temperature = value;
      return this;
    }

    public Builder topP(float value) {
      topP = value;
      return this;
    }

    public Builder topK(int value) {
      topK = value;
      return this;
    }

    public Builder maxTokens(int value) {
      maxTokens = value;
      return this;
    }

    public Builder stop(List<String> value) {
      stop = value;
      return this;
    }

    public Builder stopTokenIds(Set<Integer> value) {
      stopTokenIds = value;
      return this;
    }

    public Builder ignoreEos(boolean value) {
      ignoreEos = value;
      return this;
    }

    public Builder includeStopStrInOutput(boolean value) {
      includeStopStrInOutput = value;
      return this;
    }

    public Builder seed(long value) {
      seed = value;
      return this;
    }

    public Builder logprobMode(LogprobMode value) {
      logprobMode = value;
      return this;
    }

    public SamplingParams build() {
      return new SamplingParams(
          n,
          temperature,
          topP,
          topK,
          maxTokens,
          stop,
          stopTokenIds,
          ignoreEos,
          includeStopStrInOutput,
          seed,
          logprobMode);
    }
  }
}
