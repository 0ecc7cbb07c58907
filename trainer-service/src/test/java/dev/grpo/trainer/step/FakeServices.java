package dev.grpo.trainer.step;

import dev.grpo.api.reward.RewardClient;
import dev.grpo.api.reward.RuleCatalog;
import dev.grpo.api.reward.ScoreRequest;
import dev.grpo.api.reward.ScoreResponse;
import dev.grpo.api.reward.ScoreResponse.ItemResult;
import dev.grpo.api.reward.ScoreResponse.RuleOutcome;
import dev.grpo.api.reward.ScoreResponse.TotalStatus;
import dev.grpo.api.rollout.BackendStatus;
import dev.grpo.api.rollout.PolicySyncRequest;
import dev.grpo.api.rollout.PolicySyncResponse;
import dev.grpo.api.rollout.RolloutClient;
import dev.grpo.api.rollout.RolloutRequest;
import dev.grpo.api.rollout.RolloutResponse;
import dev.grpo.policy.tokenizer.CharTokenizer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Fakes of the rollout and reward services as the trainer calls them: a completion's text is {@code
 * completion.apply(itemId, sampleIndex)}, and every rule of a score request answers what {@code
 * outcome.apply(rule, completionText)} says. Every request is kept for the test to inspect.
 */
public final class FakeServices implements RolloutClient, RewardClient {

  public final List<RolloutRequest> rollouts = new ArrayList<>();
  final List<ScoreRequest> scores = new ArrayList<>();
  public final List<PolicySyncRequest> syncs = new ArrayList<>();
  private final BiFunction<String, Integer, String> completion;
  private final BiFunction<String, String, RuleOutcome> outcome;
  private final AtomicLong ids = new AtomicLong();
  private final CharTokenizer tokenizer = new CharTokenizer();
  public Function<RolloutRequest, RuntimeException> rolloutFailure = r -> null;
  public Function<PolicySyncRequest, RuntimeException> syncFailure = r -> null;

  /**
   * When set, the text of every sample of a request (in place of the completion function): for a
   * fake that answers by the policy a request names.
   */
  public Function<RolloutRequest, String> servedText = null;

  /** The policy version a prompt's samples carry: by default the version the request asks for. */
  public BiFunction<RolloutRequest, String, Long> servedVersion = (r, item) -> r.policyVersion();

  public FakeServices(
      BiFunction<String, Integer, String> completion,
      BiFunction<String, String, RuleOutcome> outcome) {
    this.completion = completion;
    this.outcome = outcome;
  }

  /** Scores a completion's text as a number, under every rule. */
  static FakeServices scoringTextAsNumber(BiFunction<String, Integer, String> completion) {
    return new FakeServices(completion, (rule, text) -> ok(rule, Double.parseDouble(text)));
  }

  public static RuleOutcome ok(String rule, double score) {
    return new RuleOutcome(rule, "1", "OK", score, Map.of());
  }

  static RuleOutcome failed(String rule, String status) {
    return new RuleOutcome(rule, "1", status, null, Map.of("reason", "fake"));
  }

  ServiceCalls calls() {
    return new ServiceCalls(this, this, Duration.ofSeconds(1));
  }

  /**
   * How long a rollout takes, as a generation would (slept outside the lock, so syncs and scoring
   * are not held up).
   */
  volatile Duration rolloutTime = Duration.ZERO;

  @Override
  public RolloutResponse rollout(RolloutRequest request) {
    if (!rolloutTime.isZero()) {
      try {
        java.util.concurrent.TimeUnit.NANOSECONDS.sleep(rolloutTime.toNanos());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
    return sampled(request);
  }

  private synchronized RolloutResponse sampled(RolloutRequest request) {
    rollouts.add(request);
    RuntimeException failure = rolloutFailure.apply(request);
    if (failure != null) {
      throw failure;
    }
    List<RolloutResponse.PromptSamples> results = new ArrayList<>();
    for (RolloutRequest.Prompt p : request.prompts()) {
      List<RolloutResponse.Sample> samples = new ArrayList<>();
      for (int k = 0; k < request.n(); k++) {
        String text =
            servedText != null ? servedText.apply(request) : completion.apply(p.itemId(), k);
        int[] tokens = tokenizer.encode(text);
        samples.add(
            new RolloutResponse.Sample(
                k,
                text,
                tokens,
                new float[tokens.length],
                tokens.length >= request.sampling().maxTokens() ? "length" : "stop",
                servedVersion.apply(request, p.itemId()),
                "fake",
                ids.incrementAndGet()));
      }
      results.add(new RolloutResponse.PromptSamples(p.itemId(), samples));
    }
    return new RolloutResponse(request.runId(), request.step(), "fake", 0, results);
  }

  @Override
  public synchronized PolicySyncResponse sync(PolicySyncRequest request) {
    syncs.add(request);
    RuntimeException failure = syncFailure.apply(request);
    if (failure != null) {
      throw failure;
    }
    return new PolicySyncResponse("fake", request.policyVersion(), request.checkpointUri(), true);
  }

  @Override
  public List<BackendStatus> backends() {
    return List.of();
  }

  @Override
  public synchronized ScoreResponse score(ScoreRequest request) {
    scores.add(request);
    List<ItemResult> results = new ArrayList<>();
    for (ScoreRequest.Item item : request.items()) {
      List<RuleOutcome> outcomes = new ArrayList<>();
      double total = 0;
      boolean complete = true;
      for (ScoreRequest.RuleSpec rule : request.rules()) {
        RuleOutcome o = outcome.apply(rule.name(), item.completion());
        outcomes.add(o);
        if ("OK".equals(o.status())) {
          total += rule.weight() * o.score();
        } else {
          complete = false;
        }
      }
      results.add(
          new ItemResult(
              item.id(),
              complete ? total : null,
              complete ? TotalStatus.COMPLETE : TotalStatus.INCOMPLETE,
              total,
              List.of(),
              outcomes));
    }
    return new ScoreResponse(results);
  }

  @Override
  public RuleCatalog rules() {
    throw new UnsupportedOperationException();
  }
}
