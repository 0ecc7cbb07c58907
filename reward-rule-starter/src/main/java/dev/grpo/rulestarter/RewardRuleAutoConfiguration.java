package dev.grpo.rulestarter;

import dev.grpo.rule.RewardRule;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.regex.Pattern;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.context.annotation.Bean;
import tools.jackson.databind.ObjectMapper;

/**
 * Serves the application's one {@link RewardRule} bean as a remote rule of the reward service. Does
 * nothing in an application without such a bean, so the starter may sit on a class path (a test's,
 * say) next to other applications.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnBean(RewardRule.class)
@EnableConfigurationProperties(RuleProperties.class)
public class RewardRuleAutoConfiguration {

  // what the reward service's POST /api/v1/rules accepts
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,63}");
  private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9._+-]{1,64}");

  @Bean(destroyMethod = "close")
  RuleScorer ruleScorer(
      RewardRule rule, RuleProperties properties, ObjectProvider<MeterRegistry> meters) {
    check(rule);
    return new RuleScorer(
        rule,
        properties.timeBudget(),
        properties.parallelism(),
        properties.virtualThreads(),
        meters.getIfAvailable(SimpleMeterRegistry::new));
  }

  @Bean
  RuleController ruleController(
      RewardRule rule,
      RuleScorer scorer,
      RuleProperties properties,
      ObjectProvider<HealthEndpoint> health,
      ObjectProvider<RuleSelfRegistration> registration) {
    return new RuleController(rule, scorer, properties, health, registration);
  }

  @Bean
  @ConditionalOnProperty(prefix = "grpo.rule.register", name = "url")
  RuleSelfRegistration ruleSelfRegistration(
      RewardRule rule, RuleProperties properties, ObjectMapper mapper) {
    return new RuleSelfRegistration(rule, properties.register(), mapper);
  }

  /** A name or version the reward service would refuse stops the start, not the registration. */
  static void check(RewardRule rule) {
    String name = rule.name();
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalStateException(
          "RewardRule "
              + rule.getClass().getName()
              + " has name '"
              + name
              + "': a rule name is lower case letters, digits and underscores, starting with a"
              + " letter, at most 64 characters");
    }
    String version = rule.version();
    if (version == null || !VERSION.matcher(version).matches()) {
      throw new IllegalStateException(
          "RewardRule "
              + rule.getClass().getName()
              + " has version '"
              + version
              + "': a rule version is 1 to 64 letters, digits, '.', '_', '+' or '-'");
    }
  }
}
