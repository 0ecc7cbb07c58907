package dev.grpo.reward.config;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The code sandbox's settings ({@code grpo.reward.sandbox.*}).
 *
 * @param workers concurrent sandboxed runs; 0 means one per core
 * @param queueLimit runs waiting beyond the workers; more are refused with 429 and Retry-After
 * @param bwrap the bubblewrap binary
 * @param workRoot where private work directories are made; empty for the system temp directory
 * @param requestTimeout the longest a {@code /sandbox/run} request waits for its result
 * @param warmSpares sandboxes started ahead of their runs, per shape of run in use (the same
 *     command, limits and file names); 0 starts each sandbox when its run comes
 */
@Validated
@ConfigurationProperties("grpo.reward.sandbox")
public record SandboxProperties(
    @DefaultValue("0") @Min(0) int workers,
    @DefaultValue("64") @Min(0) int queueLimit,
    @DefaultValue("/usr/bin/bwrap") Path bwrap,
    Path workRoot,
    @DefaultValue("120s") Duration requestTimeout,
    @DefaultValue("2") @Min(0) @Max(16) int warmSpares) {}
