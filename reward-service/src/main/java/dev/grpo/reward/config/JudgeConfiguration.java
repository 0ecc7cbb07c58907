package dev.grpo.reward.config;

import dev.grpo.reward.llmjudge.JudgeEndpoint;
import dev.grpo.reward.llmjudge.LlmJudgeRule;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The {@code llm_judge} rule on the configured endpoints (none configured: every use is a 400). */
@Configuration(proxyBeanMethods = false)
class JudgeConfiguration {

  @Bean
  LlmJudgeRule llmJudgeRule(JudgeProperties properties, MeterRegistry meters) {
    List<JudgeEndpoint> endpoints =
        properties.endpoints().entrySet().stream()
            .map(
                e ->
                    new JudgeEndpoint(
                        new JudgeEndpoint.Settings(
                            e.getKey(),
                            e.getValue().url(),
                            e.getValue().model(),
                            e.getValue().apiKey(),
                            e.getValue().maxConcurrency(),
                            e.getValue().maxTokens())))
            .toList();
    return new LlmJudgeRule(endpoints, properties.cacheSize(), meters);
  }
}
