package dev.grpo.reward.config;

import dev.grpo.reward.judge.CodeExecutionRule;
import dev.grpo.reward.sandbox.SandboxConfig;
import dev.grpo.reward.sandbox.SandboxService;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires the plain-Java sandbox and judge: the service's one {@link SandboxService} (from {@code
 * grpo.reward.sandbox.*}), the {@code code_execution} rule on it, and the sandbox's health in the
 * readiness group.
 */
@Configuration(proxyBeanMethods = false)
class SandboxConfiguration {

  @Bean(destroyMethod = "close")
  SandboxService sandboxService(SandboxProperties properties, MeterRegistry meters) {
    SandboxConfig config =
        SandboxConfig.defaults()
            .withBwrap(properties.bwrap())
            .withWarmSpares(properties.warmSpares());
    if (properties.workRoot() != null) {
      config = config.withWorkRoot(properties.workRoot());
    }
    return new SandboxService(config, properties.workers(), properties.queueLimit(), meters);
  }

  @Bean
  CodeExecutionRule codeExecutionRule(SandboxService sandbox) {
    return new CodeExecutionRule(sandbox);
  }

  @Bean("sandbox")
  SandboxHealthIndicator sandboxHealthIndicator(SandboxService sandbox) {
    return new SandboxHealthIndicator(sandbox);
  }
}
