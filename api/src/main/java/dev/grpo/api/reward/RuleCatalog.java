package dev.grpo.api.reward;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

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
   * @param remote true for a rule served by a registered remote service ({@code POST
   *     /api/v1/rules})
   * @param url a remote rule's base URL; absent for built-in rules
   * @param health a remote rule's last health check: UP, DOWN or UNKNOWN; absent for built-in rules
   */
  public record RuleInfo(
      String name,
      String version,
      String description,
      boolean groupLevel,
      List<ParamInfo> params,
      boolean remote,
      @JsonInclude(JsonInclude.Include.NON_NULL) String url,
      @JsonInclude(JsonInclude.Include.NON_NULL) String health,
      @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, Object> serviceParams) {

    /**
     * A remote rule. {@code serviceParams} are the settings the rule service reports at {@code GET
     * {url}/rule} (a reward-rule-starter service's {@code params}), read at each passing health
     * check; null until one answered for this version.
     */
    public RuleInfo(
        String name,
        String version,
        String description,
        boolean groupLevel,
        List<ParamInfo> params,
        boolean remote,
        String url,
        String health) {
      this(name, version, description, groupLevel, params, remote, url, health, null);
    }

    /** A built-in (local) rule. */
    public RuleInfo(
        String name,
        String version,
        String description,
        boolean groupLevel,
        List<ParamInfo> params) {
      this(name, version, description, groupLevel, params, false, null, null, null);
    }
  }

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
