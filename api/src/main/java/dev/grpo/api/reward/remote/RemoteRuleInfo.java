package dev.grpo.api.reward.remote;

/**
 * A remote rule registration as the API shows it.
 *
 * @param health UP, DOWN, or UNKNOWN before the first check
 */
public record RemoteRuleInfo(
    String name,
    String version,
    String url,
    int timeoutMs,
    boolean enabled,
    String health,
    boolean remote) {}
