package dev.grpo.reward.rule;

/** The JSON-shaped types a rule parameter can take. */
public enum ParamType {
  BOOLEAN("a boolean"),
  INTEGER("an integer"),
  NUMBER("a number"),
  STRING("a string"),
  STRING_LIST("a list of strings");

  private final String description;

  ParamType(String description) {
    this.description = description;
  }

  /** How error messages name the type, e.g. "an integer". */
  public String description() {
    return description;
  }
}
