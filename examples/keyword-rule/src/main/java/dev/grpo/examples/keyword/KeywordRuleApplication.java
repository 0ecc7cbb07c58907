package dev.grpo.examples.keyword;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The {@code keyword_coverage} rule as its own service; reward-rule-starter does the serving. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class KeywordRuleApplication {

  public static void main(String[] args) {
    SpringApplication.run(KeywordRuleApplication.class, args);
  }
}
