package dev.grpo.reward.rule;

/** A user-supplied rule parameter is unknown, of the wrong type or out of range. */
public class InvalidParamException extends IllegalArgumentException {

  private final String param;

  public InvalidParamException(String param, String problem) {
    super("parameter '" + param + "': " + problem);
    this.param = param;
  }

  /** The name of the offending parameter, for the problem detail of an HTTP 400. */
  public String param() {
    return param;
  }
}
