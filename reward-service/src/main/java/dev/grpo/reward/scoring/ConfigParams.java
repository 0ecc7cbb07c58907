package dev.grpo.reward.scoring;

import dev.grpo.api.reward.ScoreRequest.RuleSpec;
import dev.grpo.reward.rule.ConfigurableRule;
import dev.grpo.reward.rule.ParamSpec;
import dev.grpo.reward.rule.RuleRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Rule params from Spring configuration arrive as strings (environment variables, properties files)
 * and YAML lists as maps keyed "0", "1"…; this turns them into the JSON-like values the rules'
 * schemas check. Values that do not convert are passed on so the schema names them.
 */
final class ConfigParams {

  private ConfigParams() {}

  static List<RuleSpec> coerce(RuleRegistry registry, List<RuleSpec> specs) {
    List<RuleSpec> out = new ArrayList<>(specs.size());
    for (RuleSpec spec : specs) {
      ConfigurableRule<?> rule = registry.find(spec.name()).orElse(null);
      if (rule == null) {
        out.add(spec);
        continue;
      }
      Map<String, Object> params = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : spec.params().entrySet()) {
        ParamSpec param =
            rule.paramSchema().specs().stream()
                .filter(p -> p.name().equals(e.getKey()))
                .findFirst()
                .orElse(null);
        params.put(e.getKey(), param == null ? e.getValue() : convert(param, e.getValue()));
      }
      out.add(new RuleSpec(spec.name(), spec.weight(), params));
    }
    return out;
  }

  static Object convert(ParamSpec param, Object value) {
    try {
      if (value instanceof String s) {
        return switch (param.type()) {
          case INTEGER -> Integer.valueOf(s.trim());
          case NUMBER -> Double.valueOf(s.trim());
          case BOOLEAN ->
              s.trim().equalsIgnoreCase("true")
                  ? Boolean.TRUE
                  : s.trim().equalsIgnoreCase("false") ? Boolean.FALSE : s;
          case STRING_LIST -> Arrays.stream(s.split(",")).map(String::trim).toList();
          case STRING -> s;
        };
      }
      if (value instanceof Map<?, ?> map
          && param.type() == dev.grpo.reward.rule.ParamType.STRING_LIST) {
        TreeMap<Integer, Object> ordered = new TreeMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
          ordered.put(Integer.valueOf(String.valueOf(e.getKey())), e.getValue());
        }
        return new ArrayList<>(ordered.values());
      }
    } catch (NumberFormatException notConvertible) {
      return value;
    }
    return value;
  }
}
