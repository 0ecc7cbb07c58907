package dev.grpo.api.reward.remote;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * Body of {@code POST /api/v1/rules}.
 *
 * @param name what score requests name; lower case like the built-in rules, e.g. {@code my_judge}
 * @param version the rule's version; stored rewards are keyed by name and version
 * @param url the base URL of the rule service ({@code {url}/score}, {@code {url}/health})
 * @param timeoutMs how long one call to {@code {url}/score} may take, 1 ms to 60 s
 */
public record RegisterRuleRequest(
    @NotBlank
        @Size(max = 64)
        @Pattern(
            regexp = "[a-z][a-z0-9_]*",
            message = "must be lower case letters, digits and underscores, starting with a letter")
        String name,
    @NotBlank
        @Size(max = 64)
        @Pattern(regexp = "[A-Za-z0-9._+-]+", message = "must be letters, digits, . _ + or -")
        String version,
    @NotBlank @Size(max = 2000) String url,
    @NotNull @Min(1) @Max(60_000) Integer timeoutMs) {}
