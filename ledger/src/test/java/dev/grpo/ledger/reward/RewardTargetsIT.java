package dev.grpo.ledger.reward;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.ledger.LedgerTestApplication;
import dev.grpo.ledger.completion.CompletionWriter;
import dev.grpo.ledger.completion.CompletionWriter.NewCompletion;
import dev.grpo.ledger.run.Run;
import dev.grpo.ledger.run.RunRepository;
import dev.grpo.testsupport.SharedPostgres;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

@SpringBootTest(
    classes = LedgerTestApplication.class,
    properties = {"spring.jpa.hibernate.ddl-auto=validate", "grpo.ledger.reaper-interval=1h"})
class RewardTargetsIT {

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    SharedPostgres.register(registry);
  }

  @Autowired RunRepository runs;
  @Autowired CompletionWriter completions;
  @Autowired RewardTargets targets;

  @Test
  void onlyStoredCompletionsAreTargetsAndDuplicatesAreAskedOnce() {
    UUID runId = UUID.randomUUID();
    runs.save(new Run(runId, "targets", "{\"seed\":1}", null, null, Instant.now()));
    long stored =
        completions
            .writeAll(
                List.of(
                    new NewCompletion(
                        runId, 1, "q", 0, "x", new int[] {1}, new float[] {-1f}, "stop", 1, "e")))
            .get(0)
            .id();
    long missing = stored + 1_000_000;

    assertThat(targets.existing(List.of(stored, missing, stored))).containsExactly(stored);
    assertThat(targets.existing(List.of(missing))).isEmpty();
    assertThat(targets.existing(List.of())).isEmpty();
  }
}
