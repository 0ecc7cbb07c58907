package dev.grpo.reward.scoring;

import dev.grpo.api.reward.RuleCatalog;
import dev.grpo.api.reward.RuleCatalog.ParamInfo;
import dev.grpo.api.reward.RuleCatalog.RuleInfo;
import dev.grpo.reward.remote.RemoteRule;
import dev.grpo.reward.rule.ConfigurableRule;
import dev.grpo.reward.rule.ParamSpec;
import dev.grpo.reward.rule.RuleRegistry;
import java.util.List;
import java.util.Locale;

/** The listing of {@code GET /api/v1/rules}. */
final class RuleCatalogs {

  private RuleCatalogs() {}

  static RuleCatalog of(RuleRegistry registry) {
    return new RuleCatalog(registry.rules().stream().map(RuleCatalogs::info).toList());
  }

  private static RuleInfo info(ConfigurableRule<?> rule) {
    List<ParamInfo> params = rule.paramSchema().specs().stream().map(RuleCatalogs::param).toList();
    if (rule instanceof RemoteRule remote) {
      // a remote rule gets whole groups, one call per group, and may compare within them
      return new RuleInfo(
          rule.name(),
          rule.version(),
          rule.description(),
          true,
          params,
          true,
          remote.url(),
          remote.health().name(),
          remote.serviceParams());
    }
    return new RuleInfo(
        rule.name(), rule.version(), rule.description(), ScoringEngine.isGroupLevel(rule), params);
  }

  private static ParamInfo param(ParamSpec spec) {
    return new ParamInfo(
        spec.name(),
        spec.type().name().toLowerCase(Locale.ROOT),
        spec.defaultValue(),
        spec.choices(),
        spec.doc());
  }
}
