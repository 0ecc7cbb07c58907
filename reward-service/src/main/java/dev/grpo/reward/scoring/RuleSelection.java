package dev.grpo.reward.scoring;

import dev.grpo.api.problem.FieldProblem;
import dev.grpo.api.reward.ScoreRequest.RuleSpec;
import dev.grpo.reward.rule.InvalidParamException;
import dev.grpo.reward.rule.RuleRegistry;
import dev.grpo.reward.rule.UnknownRuleException;
import dev.grpo.web.InvalidRequestException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Turns requested rules (name, weight, params) into configured rules, naming every bad field. */
public final class RuleSelection {

  private RuleSelection() {}

  /**
   * Looks each rule up and checks its params.
   *
   * @param path how the list is named in problems, e.g. {@code rules}
   * @throws InvalidRequestException naming e.g. {@code rules[1].params.max_len} or {@code
   *     rules[0].name}
   */
  public static List<WeightedRule> configure(
      RuleRegistry registry, List<RuleSpec> specs, String path) {
    List<FieldProblem> problems = new ArrayList<>();
    List<WeightedRule> rules = new ArrayList<>(specs.size());
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < specs.size(); i++) {
      RuleSpec spec = specs.get(i);
      String at = path + "[" + i + "]";
      Integer earlier = seen.putIfAbsent(spec.name(), i);
      if (earlier != null) {
        // rewards are stored per (completion, rule, version): a second entry would be lost
        problems.add(
            new FieldProblem(
                at + ".name",
                "rule '" + spec.name() + "' is already " + path + "[" + earlier + "]"));
        continue;
      }
      try {
        rules.add(new WeightedRule(registry.configure(spec.name(), spec.params()), spec.weight()));
      } catch (UnknownRuleException e) {
        problems.add(
            new FieldProblem(
                at + ".name",
                e.getMessage()
                    + "; known: "
                    + registry.rules().stream().map(r -> r.name()).toList()));
      } catch (InvalidParamException e) {
        problems.add(new FieldProblem(at + ".params." + e.param(), e.getMessage()));
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidRequestException(problems);
    }
    return List.copyOf(rules);
  }
}
