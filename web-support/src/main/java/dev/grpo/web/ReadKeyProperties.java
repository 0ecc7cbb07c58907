package dev.grpo.web;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The optional read-only key ({@code grpo.api.read.key}, so the environment variable {@code
 * GRPO_API_READ_KEY} sets it in every service): a bearer key that may GET and HEAD but not change
 * anything, for dashboards and people who only watch runs. Absent or blank: only the API key reads.
 */
@ConfigurationProperties("grpo.api.read")
public record ReadKeyProperties(String key) {}
