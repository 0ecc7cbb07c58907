package dev.grpo.reward.rule;

import java.util.List;
import java.util.Objects;

/**
 * One parameter of a rule as {@code GET /api/v1/rules} lists it.
 *
 * @param name the key in the user's params map
 * @param type its type
 * @param defaultValue the value used when the key is absent; null means "optional, no default"
 * @param choices for strings (and string lists), the only allowed values; empty means any
 * @param doc one sentence for users
 */
public record ParamSpec(
    String name, ParamType type, Object defaultValue, List<String> choices, String doc) {

  public ParamSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(doc, "doc");
    choices = List.copyOf(choices);
  }

  public ParamSpec(String name, ParamType type, Object defaultValue, String doc) {
    this(name, type, defaultValue, List.of(), doc);
  }
}
