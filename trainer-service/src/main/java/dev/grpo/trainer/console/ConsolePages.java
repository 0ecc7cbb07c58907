package dev.grpo.trainer.console;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The run console: static pages under {@code /console/} (from {@code static/console}) whose script
 * calls the run API with the key the user typed in. The pages hold no data, so they are served
 * without a key (see {@code TrainerProperties.openStaticPrefixes}); {@code /console} and {@code
 * /console/} lead to the runs list.
 */
@Configuration(proxyBeanMethods = false)
class ConsolePages implements WebMvcConfigurer {

  @Override
  public void addViewControllers(ViewControllerRegistry registry) {
    registry.addRedirectViewController("/console", "/console/");
    registry.addViewController("/console/").setViewName("forward:/console/index.html");
  }
}
