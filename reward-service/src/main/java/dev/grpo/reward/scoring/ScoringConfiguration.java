package dev.grpo.reward.scoring;

import dev.grpo.reward.BuiltInRules;
import dev.grpo.reward.config.RewardProperties;
import dev.grpo.reward.rule.ConfigurableRule;
import dev.grpo.reward.rule.RuleRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The rule registry and the scoring engine. Rules written elsewhere (math accuracy, code execution)
 * join the registry by being {@link ConfigurableRule} beans.
 */
@Configuration(proxyBeanMethods = false)
class ScoringConfiguration {

  @Bean
  RuleRegistry ruleRegistry(ObjectProvider<ConfigurableRule<?>> extraRules) {
    RuleRegistry registry = BuiltInRules.registry();
    extraRules.orderedStream().forEach(registry::register);
    return registry;
  }

  @Bean(destroyMethod = "close")
  ScoringEngine scoringEngine(RewardProperties properties, MeterRegistry meters) {
    return new ScoringEngine(
        properties.effectiveScoringThreads(),
        properties.ruleTimeout(),
        meters,
        properties.maxCompletionChars());
  }

  /** The default profile, checked at start-up so a bad profile fails the start, not a request. */
  @Bean
  DefaultProfile defaultProfile(RuleRegistry registry, RewardProperties properties) {
    List<WeightedRule> rules =
        RuleSelection.configure(
            registry,
            ConfigParams.coerce(registry, properties.defaultProfile()),
            "grpo.reward.default-profile");
    return new DefaultProfile(rules);
  }
}
