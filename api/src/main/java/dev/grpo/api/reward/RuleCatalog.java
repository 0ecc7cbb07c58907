package dev.grpo.api.reward;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** Body of {@code GET /api/v1/rules}: the rules a reward service can run. */
public record RuleCatalog(List<RuleInfo> rules) {

  /**
   * One rule.
   *
   * @param name what a score request names
   * @param version changes whenever the same input could score differently
   * @param description one or two sentences
   * @param groupLevel true when the rule compares the completions of one group (same groupId, or
   *     same prompt)
   * @param params the params the rule accepts
   */
  public record RuleInfo(
      String name,
      String version,
      String description,
      boolean groupLevel,
      List<ParamInfo> params) {}

  /**
   * One param of a rule.
   *
   * @param name the key in a rule's {@code params}
   * @param type boolean, integer, number, string or string_list
   * @param defaultValue the value when the key is absent; null means optional without a default
   * @param choices the allowed values of a string (or string list) param; empty means any
   * @param doc one sentence
   */
  public record ParamInfo(
      String name,
      String type,
      @JsonProperty("default") Object defaultValue,
      List<String> choices,
      String doc) {}
}
