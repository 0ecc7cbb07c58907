package dev.grpo.rewardmodel;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * A trained reward model as its own service: reward-rule-starter serves {@code POST /score}, {@code
 * GET /health} and {@code GET /rule}, and registers the rule with a reward service when {@code
 * grpo.rule.register.url} is set.
 */
@SpringBootApplication
@EnableConfigurationProperties(RewardModelProperties.class)
public class RewardModelServiceApplication {

  public static void main(String[] args) {
    SpringApplication.run(RewardModelServiceApplication.class, args);
  }

  @Bean(destroyMethod = "close")
  LearnedRewardRule learnedRewardRule(RewardModelProperties properties) {
    return new LearnedRewardRule(properties);
  }
}
