package dev.grpo.examples.keyword;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The rule's settings ({@code keyword-rule.*}). The reward service sends no params with a score
 * call, so the keywords are the service's configuration; run another instance (and register another
 * rule name) for another keyword list.
 *
 * @param keywords the words or phrases the reasoning should mention; matched as whole words
 * @param caseSensitive whether {@code Carry} and {@code carry} differ
 */
@Validated
@ConfigurationProperties("keyword-rule")
public record KeywordCoverageProperties(
    @NotEmpty List<@NotBlank String> keywords, @DefaultValue("false") boolean caseSensitive) {}
