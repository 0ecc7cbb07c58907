package dev.grpo.api.reward;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.Map;

/**
 * Body of {@code POST /api/v1/score}: the rules to apply (each with a weight and params) and the
 * completions to score. The response has one result per item, in the same order.
 *
 * @param rules the rules, applied to every item; a rule name may appear once
 * @param items the completions; how many one request may carry is {@code
 *     grpo.reward.max-batch-items}
 */
public record ScoreRequest(
    @NotNull @Size(min = 1, max = 64) List<@NotNull @Valid RuleSpec> rules,
    @NotNull List<@NotNull @Valid Item> items) {

  /**
   * One rule of the request.
   *
   * @param name a rule name as {@code GET /api/v1/rules} lists it
   * @param weight the factor of this rule's score in the item's total; defaults to 1.0
   * @param params the rule's params; absent keys take the rule's defaults
   */
  public record RuleSpec(
      @NotBlank String name,
      @NotNull @DecimalMin("-1000.0") @DecimalMax("1000.0") Double weight,
      @NotNull Map<String, Object> params) {
    public RuleSpec {
      weight = weight == null ? 1.0 : weight;
      params = params == null ? Map.of() : params;
    }
  }

  /**
   * One completion to score.
   *
   * @param id the caller's id, echoed in the result (optional; results are matched by position)
   * @param prompt the prompt text; also the group key when {@code groupId} is absent
   * @param completion the generated text; a missing completion gives INVALID_INPUT for every rule
   * @param reference what the dataset knows: answer, tests, language
   * @param completionTokens number of generated tokens, for token-based length rules
   * @param maxTokens the generation limit the completion was sampled with
   * @param correct the upstream verdict on the final answer, for the length rules; null = unknown
   * @param completionId the ledger id of a stored completion; when given, the results are stored
   * @param groupId the group (the completions of one prompt) that group-level rules compare within
   */
  public record Item(
      String id,
      String prompt,
      String completion,
      @Valid Reference reference,
      @PositiveOrZero Integer completionTokens,
      @PositiveOrZero Integer maxTokens,
      Boolean correct,
      Long completionId,
      String groupId) {}

  /**
   * The dataset side of an item.
   *
   * @param answer the gold answer
   * @param tests test cases for code rules, passed through as JSON
   * @param language the expected language of the reasoning, an ISO 639-1 code
   */
  public record Reference(String answer, Object tests, String language) {}
}
