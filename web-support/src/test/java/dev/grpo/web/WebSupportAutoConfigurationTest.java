package dev.grpo.web;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.validation.Validation;
import jakarta.validation.Validator;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** A service that depends on web-support gets the problem details, the binder and the filter. */
class WebSupportAutoConfigurationTest {

  private final WebApplicationContextRunner runner =
      new WebApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(WebSupportAutoConfiguration.class))
          .withBean(ObjectMapper.class, () -> JsonMapper.builder().build())
          .withBean(
              Validator.class, () -> Validation.buildDefaultValidatorFactory().getValidator());

  @Test
  void theAutoConfigurationIsListedForSpringBoot() {
    assertThat(ImportCandidates.load(AutoConfiguration.class, getClass().getClassLoader()))
        .contains(WebSupportAutoConfiguration.class.getName());
  }

  @Test
  void aServiceWithAnApiKeyGetsTheFilterOnEveryPath() {
    runner
        .withBean(ApiKeySource.class, () -> () -> "k")
        .run(
            context -> {
              assertThat(context).hasSingleBean(ApiExceptionHandler.class);
              assertThat(context).hasSingleBean(RecordBinder.class);
              FilterRegistrationBean<?> registration =
                  context.getBean("apiKeyFilter", FilterRegistrationBean.class);
              assertThat(registration.getFilter()).isInstanceOf(ApiKeyFilter.class);
              assertThat(registration.getUrlPatterns()).containsExactly("/*");
              // log correlation runs first, so a refused request still logs under its id
              FilterRegistrationBean<?> correlation =
                  context.getBean("correlationFilter", FilterRegistrationBean.class);
              assertThat(correlation.getFilter()).isInstanceOf(CorrelationFilter.class);
              assertThat(correlation.getOrder()).isLessThan(registration.getOrder());
            });
  }

  @Test
  void withoutAnApiKeySourceThereIsNoKeyFilter() {
    runner.run(
        context -> {
          assertThat(context).hasSingleBean(ApiExceptionHandler.class);
          assertThat(context).doesNotHaveBean("apiKeyFilter");
          assertThat(context).hasBean("correlationFilter");
        });
  }
}
