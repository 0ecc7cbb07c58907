package dev.grpo.reward.rule;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The rules this service can run, by name. Thread-safe; rules written elsewhere (math accuracy,
 * code execution) register here the same way as the built-in ones.
 */
public final class RuleRegistry {

  private final Map<String, ConfigurableRule<?>> rulesByName = new ConcurrentHashMap<>();

  public RuleRegistry() {}

  public RuleRegistry(List<? extends ConfigurableRule<?>> rules) {
    rules.forEach(this::register);
  }

  /**
   * @throws IllegalArgumentException when a rule with the same name is already registered
   */
  public void register(ConfigurableRule<?> rule) {
    ConfigurableRule<?> previous = rulesByName.putIfAbsent(rule.name(), rule);
    if (previous != null) {
      throw new IllegalArgumentException(
          "a rule named '" + rule.name() + "' is already registered");
    }
  }

  /** Removes the rule if it is the one registered under that name; false otherwise. */
  public boolean remove(String name, ConfigurableRule<?> rule) {
    return rulesByName.remove(name, rule);
  }

  public Optional<ConfigurableRule<?>> find(String name) {
    return Optional.ofNullable(rulesByName.get(name));
  }

  /** All rules, sorted by name, for listing. */
  public List<ConfigurableRule<?>> rules() {
    return List.copyOf(new TreeMap<>(rulesByName).values());
  }

  /**
   * Looks the rule up and validates the params for it.
   *
   * @throws UnknownRuleException when no rule has that name
   * @throws InvalidParamException when a param is unknown, mistyped or out of range
   */
  public ConfiguredRule<?> configure(String name, Map<String, ?> rawParams) {
    ConfigurableRule<?> rule = find(name).orElseThrow(() -> new UnknownRuleException(name));
    return ConfiguredRule.of(rule, rawParams);
  }
}
