package dev.grpo.trainer.step;

import dev.grpo.api.reward.ScoreRequest;
import dev.grpo.api.reward.ScoreResponse.ItemResult;
import dev.grpo.api.reward.ScoreResponse.RuleOutcome;
import dev.grpo.api.rollout.RolloutResponse;
import dev.grpo.api.rollout.RolloutResponse.Sample;
import dev.grpo.api.run.RunSpec;
import dev.grpo.ledger.dataset.DatasetItems.Item;
import dev.grpo.ledger.dataset.LedgerDatasets;
import dev.grpo.trainer.step.RejectionFilter.Candidate;
import dev.grpo.trainer.step.RejectionFilter.Counts;
import dev.grpo.trainer.step.RunExecution.Outcome;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Rejection sampling: {@code samplesPerPrompt} completions of every train prompt from the published
 * policy (version 1), in rounds of {@code schedule.promptsPerStep} prompts (round r is rollout step
 * r, so a redo is answered from the ledger), scored by the run's rules, filtered by {@link
 * RejectionFilter}, the kept ones written to the dataset with their provenance.
 */
final class RejectionSampler {

  /** What the sampler did; {@code stoppedBy} non-null when a boundary stopped it early. */
  record Result(UUID datasetId, Counts counts, Outcome stoppedBy) {}

  private final UUID runId;
  private final RunSpec spec;
  private final PromptEncoder prompts;
  private final Rollouts rollouts;
  private final GroupScoring scoring;
  private final LedgerDatasets datasets;
  private final ObjectMapper mapper;
  private final Supplier<Outcome> boundary;
  private final RejectionFilter filter;

  RejectionSampler(
      UUID runId,
      RunSpec spec,
      PromptEncoder prompts,
      Rollouts rollouts,
      GroupScoring scoring,
      LedgerDatasets datasets,
      ObjectMapper mapper,
      Supplier<Outcome> boundary) {
    this.runId = runId;
    this.spec = spec;
    this.prompts = prompts;
    this.rollouts = rollouts;
    this.scoring = scoring;
    this.datasets = datasets;
    this.mapper = mapper;
    this.boundary = boundary;
    this.filter = new RejectionFilter(spec.rejectionSampling());
  }

  Result run(UUID datasetId, List<Item> all) {
    int cap = spec.rejectionSampling().maxPrompts();
    List<Item> prompts = cap > 0 && cap < all.size() ? all.subList(0, cap) : all;
    Counts counts = new Counts();
    int n = spec.rejectionSampling().samplesPerPrompt();
    int per = spec.schedule().promptsPerStep();
    for (int round = 0; round * per < prompts.size(); round++) {
      Outcome stop = boundary.get();
      if (stop != null) {
        return new Result(datasetId, counts, stop);
      }
      List<Item> items = prompts.subList(round * per, Math.min(prompts.size(), (round + 1) * per));
      RolloutResponse rollout =
          rollouts.sample(round, 1, items, n, spec.seed() * 1_000_033L + round);
      List<ScoreRequest.Item> requests = new ArrayList<>();
      for (int i = 0; i < items.size(); i++) {
        for (Sample s : rollout.results().get(i).samples()) {
          requests.add(scoring.request(items.get(i), s));
        }
      }
      List<ItemResult> scored = scoring.scoreAll(requests);
      List<LedgerDatasets.Row> rows = new ArrayList<>();
      int at = 0;
      for (int i = 0; i < items.size(); i++) {
        List<Sample> samples = rollout.results().get(i).samples();
        List<ItemResult> results = scored.subList(at, at + samples.size());
        at += samples.size();
        List<Candidate> candidates = new ArrayList<>(samples.size());
        long promptTokens = this.prompts.ids(items.get(i)).length;
        for (int k = 0; k < samples.size(); k++) {
          candidates.add(candidate(samples.get(k), results.get(k)));
          counts.sampled(promptTokens + samples.get(k).tokenIds().length);
        }
        for (int k : filter.keep(candidates, counts)) {
          rows.add(row(items.get(i), samples.get(k), results.get(k)));
        }
      }
      datasets.insertRows(datasetId, rows);
    }
    return new Result(datasetId, counts, null);
  }

  private static Candidate candidate(Sample s, ItemResult result) {
    return new Candidate(
        s.text(), s.tokenIds().length, "length".equals(s.finishReason()), okScores(result));
  }

  private static Map<String, Double> okScores(ItemResult result) {
    Map<String, Double> scores = new LinkedHashMap<>();
    for (RuleOutcome o : result.rules()) {
      if ("OK".equals(o.status()) && o.score() != null) {
        scores.put(o.name(), o.score());
      }
    }
    return scores;
  }

  /** A kept sample with its provenance: the policy that wrote it and every rule's outcome. */
  private LedgerDatasets.Row row(Item item, Sample s, ItemResult result) {
    ObjectNode p = mapper.createObjectNode();
    ObjectNode policy = p.putObject("policy");
    policy.put("run", runId.toString());
    policy.put("checkpoint", spec.initialCheckpoint());
    policy.put("version", s.policyVersion());
    policy.put("backend", s.backend());
    p.put("item", item.key());
    p.put("sample_index", s.index());
    p.put("completion_id", s.completionId());
    p.put("tokens", s.tokenIds().length);
    p.put("finish_reason", s.finishReason());
    ObjectNode rules = p.putObject("rules");
    for (RuleOutcome o : result.rules()) {
      ObjectNode r = rules.putObject(o.name());
      r.put("status", o.status());
      if (o.score() != null) {
        r.put("score", o.score());
      }
    }
    return new LedgerDatasets.Row(
        item.key() + "#" + s.index(),
        item.ordinal(),
        item.prompt(),
        s.text(),
        item.answer(),
        p.toString());
  }
}
