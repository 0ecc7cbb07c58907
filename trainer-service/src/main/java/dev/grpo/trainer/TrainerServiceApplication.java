package dev.grpo.trainer;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The trainer service. */
@SpringBootApplication
public class TrainerServiceApplication {

  public static void main(String[] args) {
    SpringApplication.run(TrainerServiceApplication.class, args);
  }
}
