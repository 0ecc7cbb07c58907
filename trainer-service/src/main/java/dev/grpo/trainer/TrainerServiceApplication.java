package dev.grpo.trainer;

import dev.grpo.ledger.LedgerConfiguration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;
import org.springframework.scheduling.annotation.EnableScheduling;

/** The trainer: the run control API and the GRPO loop. */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
@Import(LedgerConfiguration.class)
public class TrainerServiceApplication {

  public static void main(String[] args) {
    SpringApplication.run(TrainerServiceApplication.class, args);
  }
}
