package dev.grpo.web;

import jakarta.validation.Validator;
import org.apache.catalina.core.StandardHost;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import tools.jackson.databind.ObjectMapper;

/**
 * The HTTP edge every service shares: problem details (the servlet container's error page
 * included), all-fields request binding, run/step/request-id log correlation and the API-key filter
 * (the write key from the service's {@link ApiKeySource}, the optional read-only key from {@link
 * ReadKeyProperties}).
 */
@AutoConfiguration(
    beforeName = "org.springframework.boot.webmvc.autoconfigure.error.ErrorMvcAutoConfiguration")
@Import({ApiExceptionHandler.class, ProblemErrorController.class})
@EnableConfigurationProperties(ReadKeyProperties.class)
public class WebSupportAutoConfiguration {

  @Bean
  RecordBinder recordBinder(ObjectMapper mapper, Validator validator) {
    return new RecordBinder(mapper, validator);
  }

  /** Tomcat's own error pages (requests refused before any servlet runs) as problem documents. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.tomcat.TomcatWebServer")
  static class TomcatErrors {
    @Bean
    WebServerFactoryCustomizer<ConfigurableTomcatWebServerFactory> problemReportValve() {
      // the host adds its error report valve when it starts: name ours before that
      return factory ->
          factory.addContextCustomizers(
              context -> {
                if (context.getParent() instanceof StandardHost host) {
                  host.setErrorReportValveClass(ProblemReportValve.class.getName());
                }
              });
    }
  }

  /** Run, step and request id on every request's log lines (see {@link Correlation}). */
  @Bean
  FilterRegistrationBean<CorrelationFilter> correlationFilter() {
    FilterRegistrationBean<CorrelationFilter> registration =
        new FilterRegistrationBean<>(new CorrelationFilter());
    registration.addUrlPatterns("/*");
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
    return registration;
  }

  @Bean
  @ConditionalOnBean(ApiKeySource.class)
  FilterRegistrationBean<ApiKeyFilter> apiKeyFilter(
      ApiKeySource source, ReadKeyProperties readKey) {
    FilterRegistrationBean<ApiKeyFilter> registration =
        new FilterRegistrationBean<>(
            new ApiKeyFilter(
                source.apiKey(),
                readKey.key(),
                source.keylessPaths(),
                source.openStaticPrefixes()));
    registration.addUrlPatterns("/*");
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
    return registration;
  }
}
