package dev.grpo.reward;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The reward service. */
@SpringBootApplication
public class RewardServiceApplication {

  public static void main(String[] args) {
    SpringApplication.run(RewardServiceApplication.class, args);
  }
}
