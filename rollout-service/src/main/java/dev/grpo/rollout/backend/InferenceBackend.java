package dev.grpo.rollout.backend;

import java.util.List;
import java.util.UUID;

/**
 * Where completions come from: an OpenAI-compatible server fleet (vLLM, SGLang, DJL Serving) or,
 * later, the in-process DJL policy. Implementations are thread-safe.
 */
public interface InferenceBackend extends AutoCloseable {

  /** The configured name; requests, metrics and ledger rows refer to the backend by it. */
  String name();

  /** The adapter kind, for example {@code openai}. */
  String type();

  /**
   * Samples {@code batch.n()} completions for every prompt of the batch.
   *
   * @throws BackendException when the backend rejects the batch or cannot answer it
   */
  Generation generate(GenerationBatch batch);

  /**
   * What a batch produced.
   *
   * @param policyVersion the version of the weights that sampled the whole batch
   * @param samples per prompt, in batch order, exactly {@code n} samples ordered by sample index
   */
  record Generation(long policyVersion, List<List<GeneratedSample>> samples) {}

  /** Whether the backend can take requests now, per endpoint. */
  BackendHealth health();

  /** The policy version of the weights the backend serves now. */
  long policyVersion();

  /** Where the weights of {@link #policyVersion()} came from; null before the first sync. */
  String checkpointUri();

  /**
   * The policy version that samples the rollouts of a run. A backend that holds one policy for
   * every run (an inference fleet serving one model) answers {@link #policyVersion()}.
   */
  default long policyVersion(UUID runId) {
    return policyVersion();
  }

  /** Where the weights of {@link #policyVersion(UUID)} came from. */
  default String checkpointUri(UUID runId) {
    return checkpointUri();
  }

  /**
   * Makes the backend serve the given weights.
   *
   * @return false when the backend already served exactly this version and checkpoint
   * @throws BackendException when the update is stale, unsupported or failed
   */
  boolean syncWeights(WeightUpdate update);

  @Override
  default void close() {}
}
