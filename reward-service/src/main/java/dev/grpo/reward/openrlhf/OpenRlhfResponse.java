package dev.grpo.reward.openrlhf;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * What OpenRLHF reads back: {@code rewards} for the advantages, {@code scores} for dynamic
 * filtering, {@code extra_logs} logged as {@code train/<name>}.
 */
record OpenRlhfResponse(
    List<Double> rewards,
    List<Double> scores,
    @JsonProperty("extra_logs") Map<String, Object> extraLogs) {}
