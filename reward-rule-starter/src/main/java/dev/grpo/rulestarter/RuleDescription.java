package dev.grpo.rulestarter;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.grpo.rule.RewardRule;
import java.util.Map;

/**
 * Body of {@code GET /rule}: what this service scores and how.
 *
 * @param name the rule's name, as it is registered with the reward service
 * @param version the rule's version
 * @param description one or two sentences
 * @param groupLevel true when the rule compares the completions of one group ({@link
 *     RewardRule#scoreGroup} is overridden)
 * @param params the settings the rule scores with
 * @param timeBudgetMs the time budget of one item ({@code grpo.rule.time-budget})
 * @param maxBatch the most items one {@code POST /score} may carry ({@code grpo.rule.max-batch})
 * @param virtualThreads whether items are scored on virtual threads
 * @param registration the self-registration's state; absent when {@code grpo.rule.register.url} is
 *     not set
 */
public record RuleDescription(
    String name,
    String version,
    String description,
    boolean groupLevel,
    Map<String, Object> params,
    long timeBudgetMs,
    int maxBatch,
    boolean virtualThreads,
    @JsonInclude(JsonInclude.Include.NON_NULL) RuleSelfRegistration.Status registration) {}
