package dev.grpo.reward.scoring;

import dev.grpo.api.problem.FieldProblem;
import dev.grpo.ledger.reward.RewardTargets;
import dev.grpo.ledger.reward.RewardWriter;
import dev.grpo.ledger.reward.RewardWriter.NewReward;
import dev.grpo.reward.scoring.ScoredItem.ScoredRule;
import dev.grpo.web.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.springframework.stereotype.Component;
import tools.jackson.databind.ObjectMapper;

/**
 * Stores the results of items that name a stored completion, in one batch per request, idempotently
 * on (completion, rule, rule version): a retried request stores nothing twice.
 */
@Component
class RewardLedger {

  private final RewardWriter writer;
  private final RewardTargets targets;
  private final ObjectMapper mapper;

  RewardLedger(RewardWriter writer, RewardTargets targets, ObjectMapper mapper) {
    this.writer = writer;
    this.targets = targets;
    this.mapper = mapper;
  }

  /**
   * Refuses, before any scoring, items whose completionId the ledger does not hold.
   *
   * @throws InvalidRequestException naming {@code items[i].completionId}
   */
  void checkCompletionsExist(List<Long> completionIds) {
    List<Long> wanted = completionIds.stream().filter(id -> id != null).toList();
    if (wanted.isEmpty()) {
      return;
    }
    Set<Long> found = targets.existing(wanted);
    List<FieldProblem> problems = new ArrayList<>();
    for (int i = 0; i < completionIds.size(); i++) {
      Long id = completionIds.get(i);
      if (id != null && !found.contains(id)) {
        problems.add(
            new FieldProblem(
                "items[" + i + "].completionId", "the ledger holds no completion " + id));
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidRequestException(problems);
    }
  }

  /** Writes the rewards of the items with a completionId; returns how many rows were new. */
  int store(List<ScoredItem> scored) {
    List<NewReward> rewards = new ArrayList<>();
    for (ScoredItem item : scored) {
      Long completionId = item.item().completionId();
      if (completionId == null) {
        continue;
      }
      for (ScoredRule rule : item.rules()) {
        rewards.add(
            new NewReward(
                completionId,
                rule.rule().name(),
                rule.rule().version(),
                rule.result().status(),
                rule.result().score(),
                mapper.writeValueAsString(rule.result().details()),
                rule.durationMicros()));
      }
    }
    return rewards.isEmpty() ? 0 : writer.writeAll(rewards);
  }
}
