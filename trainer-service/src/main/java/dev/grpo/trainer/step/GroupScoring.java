package dev.grpo.trainer.step;

import dev.grpo.api.reward.ScoreRequest;
import dev.grpo.api.reward.ScoreResponse;
import dev.grpo.api.reward.ScoreResponse.ItemResult;
import dev.grpo.api.rollout.RolloutResponse;
import dev.grpo.api.rollout.RolloutResponse.Sample;
import dev.grpo.api.run.RunSpec;
import dev.grpo.ledger.dataset.DatasetItems.Item;
import dev.grpo.trainer.step.StepRewards.Assembled;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * {@code POST /score} for a run: every completion of a rollout is scored with the run's rules, the
 * rule outcomes become one reward per completion ({@link StepRewards}), and the rewards are cut
 * back into one group per prompt.
 */
final class GroupScoring {

  /**
   * Items per score request: whole groups of at most this many items, well under the reward
   * service's batch cap ({@code grpo.reward.max-batch-items}, 16,384 by default), so one request
   * stays a bounded amount of work.
   */
  static final int MAX_ITEMS_PER_REQUEST = 1024;

  /** The groups of one rollout and the reward tallies they were assembled from. */
  record ScoredRound(List<ScoredGroup> groups, Assembled rewards) {}

  private final RunSpec spec;
  private final PromptEncoder prompts;
  private final ServiceCalls calls;
  private final BooleanSupplier keepGoing;

  GroupScoring(RunSpec spec, PromptEncoder prompts, ServiceCalls calls, BooleanSupplier keepGoing) {
    this.spec = spec;
    this.prompts = prompts;
    this.calls = calls;
    this.keepGoing = keepGoing;
  }

  /** Scores every sample of {@code rollout}, whose results answer {@code items} in order. */
  ScoredRound score(List<Item> items, RolloutResponse rollout) {
    List<ScoreRequest.Item> requests = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      Item item = items.get(i);
      RolloutResponse.PromptSamples ps = rollout.results().get(i);
      if (!ps.itemId().equals(item.key())) {
        throw new IllegalStateException(
            "rollout answered item " + ps.itemId() + " where " + item.key() + " was asked");
      }
      for (Sample sample : ps.samples()) {
        requests.add(request(item, sample));
      }
    }
    Assembled assembled = StepRewards.assemble(spec.rewards(), scoreAll(requests));
    List<ScoredGroup> groups = new ArrayList<>(items.size());
    int offset = 0;
    for (int i = 0; i < items.size(); i++) {
      List<Sample> samples = rollout.results().get(i).samples();
      double[] r = new double[samples.size()];
      System.arraycopy(assembled.rewards(), offset, r, 0, samples.size());
      offset += samples.size();
      groups.add(new ScoredGroup(items.get(i), prompts.ids(items.get(i)), samples, r));
    }
    return new ScoredRound(groups, assembled);
  }

  /** The score request item of one sample of {@code item}. */
  ScoreRequest.Item request(Item item, Sample sample) {
    return new ScoreRequest.Item(
        Long.toString(sample.completionId()),
        prompts.text(item),
        prompts.scored(item, sample.text()),
        new ScoreRequest.Reference(item.answer(), item.tests(), item.language()),
        sample.tokenIds().length,
        spec.rollout().maxTokens(),
        null,
        sample.completionId(),
        item.key());
  }

  /** Scores in requests of whole groups of at most {@link #MAX_ITEMS_PER_REQUEST} items. */
  List<ItemResult> scoreAll(List<ScoreRequest.Item> items) {
    List<ScoreRequest.RuleSpec> rules =
        spec.rewards().stream()
            .map(r -> new ScoreRequest.RuleSpec(r.rule(), r.weight(), r.params()))
            .toList();
    int g = Math.max(1, spec.algorithm().groupSize());
    int chunk = Math.max(g, (MAX_ITEMS_PER_REQUEST / g) * g);
    List<ItemResult> out = new ArrayList<>(items.size());
    for (int from = 0; from < items.size(); from += chunk) {
      List<ScoreRequest.Item> part = items.subList(from, Math.min(items.size(), from + chunk));
      ScoreResponse response =
          calls.withRetries(
              "POST /api/v1/score",
              keepGoing,
              () -> calls.reward().score(new ScoreRequest(rules, part)));
      if (response.results().size() != part.size()) {
        throw new IllegalStateException(
            "the reward service answered %d results for %d items"
                .formatted(response.results().size(), part.size()));
      }
      out.addAll(response.results());
    }
    return out;
  }
}
