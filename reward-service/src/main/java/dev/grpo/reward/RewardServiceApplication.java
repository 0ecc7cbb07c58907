package dev.grpo.reward;

import dev.grpo.ledger.LedgerConfiguration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;
import org.springframework.scheduling.annotation.EnableScheduling;

/** The reward service. */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
@Import(LedgerConfiguration.class)
public class RewardServiceApplication {

  public static void main(String[] args) {
    SpringApplication.run(RewardServiceApplication.class, args);
  }
}
