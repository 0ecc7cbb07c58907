package dev.grpo.reward.scoring;

import java.util.List;

/** The rules of {@code grpo.reward.default-profile}, configured and checked. */
public record DefaultProfile(List<WeightedRule> rules) {}
