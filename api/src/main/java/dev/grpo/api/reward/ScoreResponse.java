package dev.grpo.api.reward;

import java.util.List;
import java.util.Map;

/** Body of a {@code POST /api/v1/score} answer: one result per item, in request order. */
public record ScoreResponse(List<ItemResult> results) {

  /**
   * The rules' results for one item.
   *
   * @param id the item's id as sent
   * @param total Σ weight·score over the rules, present only when every rule is {@code OK}; null
   *     otherwise, never a silent 0
   * @param totalStatus {@code COMPLETE} when every rule is OK, else {@code INCOMPLETE}
   * @param partialTotal Σ weight·score over the rules that are OK (equals {@code total} when
   *     complete); for callers that knowingly accept a partial reward
   * @param missingRules names of the rules that are not OK, in request order
   * @param rules one result per requested rule, in request order
   */
  public record ItemResult(
      String id,
      Double total,
      TotalStatus totalStatus,
      double partialTotal,
      List<String> missingRules,
      List<RuleOutcome> rules) {}

  /** Whether an item's total covers every requested rule. */
  public enum TotalStatus {
    COMPLETE,
    INCOMPLETE
  }

  /**
   * One rule's result on one item.
   *
   * @param name the rule
   * @param version the rule's version (stored rewards are keyed by rule and version)
   * @param status OK, NOT_APPLICABLE, TIMEOUT, ERROR or INVALID_INPUT
   * @param score present exactly when the status is OK
   * @param details what the rule found, or a {@code reason} when it is not OK
   */
  public record RuleOutcome(
      String name, String version, String status, Double score, Map<String, Object> details) {}
}
