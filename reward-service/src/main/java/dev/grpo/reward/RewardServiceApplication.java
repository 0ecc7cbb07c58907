package dev.grpo.reward;

import dev.grpo.ledger.LedgerConfiguration;
import dev.grpo.reward.cli.RewardCli;
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
    // offline commands run as plain Java: no web server, no database
    if (RewardCli.isCommand(args)) {
      System.exit(RewardCli.run(args, System.out, System.err));
    }
    SpringApplication.run(RewardServiceApplication.class, args);
  }
}
