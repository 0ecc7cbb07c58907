package dev.grpo.examples.keyword;

import dev.grpo.rule.RewardRule;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/**
 * {@code keyword_coverage}: the fraction of the configured keywords that appear, as whole words, in
 * the completion's first {@code <think>…</think>} section. A completion without a closed think
 * section covers nothing and scores 0 (the {@code format} rule is the one that judges the format);
 * details list the keywords found and missing.
 */
@Component
public class KeywordCoverageRule implements RewardRule {

  private static final Pattern THINK = Pattern.compile("<think>(.*?)</think>", Pattern.DOTALL);

  private final List<String> keywords;
  private final List<Pattern> patterns;
  private final boolean caseSensitive;

  public KeywordCoverageRule(KeywordCoverageProperties properties) {
    // a keyword listed twice counts once
    this.keywords =
        List.copyOf(
            new LinkedHashSet<>(properties.keywords().stream().map(String::strip).toList()));
    this.caseSensitive = properties.caseSensitive();
    int flags = caseSensitive ? 0 : Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE;
    List<Pattern> compiled = new ArrayList<>();
    for (String keyword : keywords) {
      // whole words: no letter, digit or underscore right before or after
      compiled.add(
          Pattern.compile(
              "(?<![\\p{L}\\p{N}_])" + Pattern.quote(keyword) + "(?![\\p{L}\\p{N}_])", flags));
    }
    this.patterns = List.copyOf(compiled);
  }

  @Override
  public String name() {
    return "keyword_coverage";
  }

  @Override
  public String version() {
    return "1.0";
  }

  @Override
  public String description() {
    return "Fraction of the required keywords that appear, as whole words, in the <think> section.";
  }

  @Override
  public Map<String, Object> params() {
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("keywords", keywords);
    params.put("caseSensitive", caseSensitive);
    return params;
  }

  @Override
  public RuleResult score(RuleInput item) {
    Matcher think = THINK.matcher(item.completion());
    if (!think.find()) {
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("think", "missing");
      details.put("found", List.of());
      details.put("missing", keywords);
      return RuleResult.ok(0.0, details);
    }
    String reasoning = think.group(1);
    List<String> found = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (int i = 0; i < keywords.size(); i++) {
      (patterns.get(i).matcher(reasoning).find() ? found : missing).add(keywords.get(i));
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("found", found);
    details.put("missing", missing);
    return RuleResult.ok((double) found.size() / keywords.size(), details);
  }
}
