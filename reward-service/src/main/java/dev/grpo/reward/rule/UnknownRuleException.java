package dev.grpo.reward.rule;

/** No rule is registered under the requested name. */
public class UnknownRuleException extends IllegalArgumentException {

  private final String ruleName;

  public UnknownRuleException(String ruleName) {
    super("no reward rule named '" + ruleName + "'");
    this.ruleName = ruleName;
  }

  public String ruleName() {
    return ruleName;
  }
}
