package dev.grpo.rulestarter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.rule.RewardRule;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import tools.jackson.databind.json.JsonMapper;

class RewardRuleAutoConfigurationTest {

  private final WebApplicationContextRunner runner =
      new WebApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(RewardRuleAutoConfiguration.class))
          .withBean(JsonMapper.class, () -> JsonMapper.builder().build());

  @Test
  void withoutARuleBeanNothingIsServed() {
    runner.run(
        context -> {
          assertThat(context).hasNotFailed();
          assertThat(context).doesNotHaveBean(RuleController.class);
          assertThat(context).doesNotHaveBean(RuleScorer.class);
        });
  }

  @Test
  void aRuleBeanIsServedWithTheConfiguredBudget() {
    runner
        .withBean(RewardRule.class, RuleScorerTest.LengthRule::new)
        .withPropertyValues("grpo.rule.time-budget=250ms", "grpo.rule.virtual-threads=false")
        .run(
            context -> {
              assertThat(context).hasSingleBean(RuleController.class);
              assertThat(context).doesNotHaveBean(RuleSelfRegistration.class);
              RuleProperties properties = context.getBean(RuleProperties.class);
              assertThat(properties.timeBudget()).isEqualTo(Duration.ofMillis(250));
              assertThat(properties.maxBatch()).isEqualTo(4096);
              assertThat(properties.register().timeout()).isEqualTo(Duration.ofSeconds(5));
              assertThat(context.getBean(RuleScorer.class).virtualThreads()).isFalse();
            });
  }

  @Test
  void aNameTheRewardServiceWouldRefuseStopsTheStart() {
    runner
        .withBean(
            RewardRule.class,
            () ->
                new RuleScorerTest.LengthRule() {
                  @Override
                  public String name() {
                    return "Keyword-Coverage";
                  }
                })
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("has name 'Keyword-Coverage'"));
  }

  @Test
  void aRegistrationUrlNeedsAnApiKey() {
    runner
        .withBean(RewardRule.class, RuleScorerTest.LengthRule::new)
        .withPropertyValues("grpo.rule.register.url=http://localhost:8083")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("grpo.rule.register.api-key must be set"));
  }
}
