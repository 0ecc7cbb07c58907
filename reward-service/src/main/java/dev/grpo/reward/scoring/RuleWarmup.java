package dev.grpo.reward.scoring;

import dev.grpo.reward.rule.ConfigurableRule;
import dev.grpo.reward.rule.ConfiguredRule;
import dev.grpo.reward.rule.RuleRegistry;
import dev.grpo.rule.RuleInput;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

/**
 * Runs every rule with its default params on two small inputs before the service reports ready, so
 * the first real batch does not pay for class loading, word lists and cold JIT inside the 200 ms
 * rule budget (and come back as TIMEOUTs).
 */
@Component
class RuleWarmup implements ApplicationRunner {

  private static final Logger log = LoggerFactory.getLogger(RuleWarmup.class);

  private static final String SAMPLE =
      "<think>\nFirst, I add 2 and 2. The sum is 4.\n</think>\n<answer>\n4\n</answer>";

  private final RuleRegistry registry;

  RuleWarmup(RuleRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void run(ApplicationArguments args) {
    RuleInput.Reference reference = new RuleInput.Reference("4", null, "en");
    List<RuleInput> group =
        List.of(
            new RuleInput("warmup-0", "2+2?", SAMPLE, reference, 24, 1024, true),
            new RuleInput("warmup-1", "2+2?", SAMPLE + " Done.", reference, 26, 1024, false));
    for (ConfigurableRule<?> rule : registry.rules()) {
      long start = System.nanoTime();
      try {
        ConfiguredRule.of(rule, null).scoreGroup(group);
      } catch (RuntimeException needsParamsOrFailed) {
        log.info("rule {} not warmed up: {}", rule.name(), needsParamsOrFailed.getMessage());
        continue;
      }
      log.debug("warmed up rule {} in {} µs", rule.name(), (System.nanoTime() - start) / 1000);
    }
  }
}
