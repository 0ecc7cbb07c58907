package dev.grpo.api.web;

import jakarta.validation.Validator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import tools.jackson.databind.ObjectMapper;

/** The HTTP edge every service shares: problem details and all-fields request binding. */
@AutoConfiguration
@Import(ApiExceptionHandler.class)
public class ApiWebAutoConfiguration {

  @Bean
  RecordBinder recordBinder(ObjectMapper mapper, Validator validator) {
    return new RecordBinder(mapper, validator);
  }
}
