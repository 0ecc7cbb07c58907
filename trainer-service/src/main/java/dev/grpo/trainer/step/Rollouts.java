package dev.grpo.trainer.step;

import dev.grpo.api.rollout.RolloutRequest;
import dev.grpo.api.rollout.RolloutResponse;
import dev.grpo.api.run.RunSpec;
import dev.grpo.ledger.dataset.DatasetItems.Item;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /rollouts} for a run: sampled groups for training, one greedy completion per item for
 * evaluation. A rollout service that lost the run's policy (restarted, or moved by another trainer)
 * answers 409 {@code policy-version-ahead}; the policy is synced again and the call retried.
 */
final class Rollouts {

  private static final Logger log = LoggerFactory.getLogger(Rollouts.class);
  private static final int RESYNCS = 3;

  private final UUID runId;
  private final RunSpec.Rollout sampling;
  private final PromptEncoder prompts;
  private final ServiceCalls calls;
  private final PolicyPublisher publisher;
  private final BooleanSupplier keepGoing;

  Rollouts(
      UUID runId,
      RunSpec.Rollout sampling,
      PromptEncoder prompts,
      ServiceCalls calls,
      PolicyPublisher publisher,
      BooleanSupplier keepGoing) {
    this.runId = runId;
    this.sampling = sampling;
    this.prompts = prompts;
    this.calls = calls;
    this.publisher = publisher;
    this.keepGoing = keepGoing;
  }

  /** {@code n} samples per item with the run's sampling settings and {@code seed}. */
  RolloutResponse sample(int step, long version, List<Item> items, int n, long seed) {
    RunSpec.Rollout r = sampling;
    return call(
        request(
            step,
            version,
            items,
            n,
            new RolloutRequest.Sampling(
                r.temperature(), r.topP(), r.topK(), r.maxTokens(), r.stop(), seed)),
        version);
  }

  /** {@code n} samples per item at {@code temperature} and {@code topP} (evaluation's settings). */
  RolloutResponse sampleAt(
      int step, long version, List<Item> items, int n, double temperature, double topP, long seed) {
    return call(
        request(
            step,
            version,
            items,
            n,
            new RolloutRequest.Sampling(
                temperature, topP, 0, sampling.maxTokens(), sampling.stop(), seed)),
        version);
  }

  /** One greedy completion per item. */
  RolloutResponse greedy(int step, long version, List<Item> items) {
    return call(
        request(
            step,
            version,
            items,
            1,
            new RolloutRequest.Sampling(0.0, 1.0, 0, sampling.maxTokens(), sampling.stop(), 0L)),
        version);
  }

  private RolloutRequest request(
      int step, long version, List<Item> items, int n, RolloutRequest.Sampling settings) {
    List<RolloutRequest.Prompt> ps =
        items.stream()
            .map(item -> new RolloutRequest.Prompt(item.key(), null, prompts.boxedIds(item)))
            .toList();
    return new RolloutRequest(runId, step, version, ps, n, settings, sampling.backend());
  }

  private RolloutResponse call(RolloutRequest request, long version) {
    for (int attempt = 0; ; attempt++) {
      try {
        return calls.withRetries(
            "POST /api/v1/rollouts", keepGoing, () -> calls.rollout().rollout(request));
      } catch (ServiceCalls.CallFailedException e) {
        // the rollout service restarted (or another trainer moved it): it does not hold this run's
        // policy; publish it again and retry
        if (e.status == 409
            && e.getMessage().contains("policy-version-ahead")
            && attempt < RESYNCS) {
          log.info("run {}: the rollout backend lost policy version {}; syncing", runId, version);
          publisher.sync(version);
          continue;
        }
        throw e;
      }
    }
  }
}
