package dev.grpo.reward.openrlhf;

import jakarta.validation.constraints.NotNull;
import java.util.List;

/**
 * What OpenRLHF's remote reward client posts ({@code openrlhf/utils/agent.py}).
 *
 * @param query the decoded prompt + response of each sample ({@code skip_special_tokens=False})
 * @param prompts the prompt text of each sample; optional
 * @param labels the {@code --data.label_key} value of each sample (the reference answer); optional
 */
record OpenRlhfRequest(@NotNull List<String> query, List<String> prompts, List<Object> labels) {}
