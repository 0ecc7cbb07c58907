package dev.grpo.ledger.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.ledger.LedgerTestApplication;
import dev.grpo.ledger.run.RunState.RunCommand;
import dev.grpo.testsupport.SharedPostgres;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** A user's commands on runs against a real PostgreSQL, beside a trainer holding the lease. */
@SpringBootTest(classes = LedgerTestApplication.class)
class RunCommandsIT {

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    SharedPostgres.register(registry);
  }

  @Autowired RunCommands commands;
  @Autowired RunLeases leases;
  @Autowired RunRepository runs;
  @Autowired JdbcTemplate jdbc;

  private UUID queued() {
    UUID id = UUID.randomUUID();
    runs.save(new Run(id, "r", "{}", null, null, Instant.now()));
    return id;
  }

  private Map<String, Object> row(UUID id) {
    return jdbc.queryForMap(
        "SELECT state, lease_owner, current_step, finished_at FROM run WHERE id = ?", id);
  }

  @Test
  void pausingARunningRunKeepsTheTrainersLeaseAndProgress() {
    UUID id = queued();
    leases.claim("t", Duration.ofMinutes(1)).orElseThrow();
    leases.progress(id, "t", 5, 6);

    assertThat(commands.apply(id, RunCommand.PAUSE)).isTrue();
    assertThat(row(id))
        .containsEntry("state", "PAUSED")
        .containsEntry("lease_owner", "t")
        .containsEntry("current_step", 5);
    // a repeated pause changes nothing; resume queues it again
    assertThat(commands.apply(id, RunCommand.PAUSE)).isFalse();
    assertThat(commands.apply(id, RunCommand.RESUME)).isTrue();
    assertThat(leases.state(id)).isEqualTo(RunState.QUEUED);
  }

  @Test
  void cancelEndsTheRunAndDropsTheLeaseAndACancelledRunCannotResume() {
    UUID id = queued();
    leases.claim("t", Duration.ofMinutes(1)).orElseThrow();

    assertThat(commands.apply(id, RunCommand.CANCEL)).isTrue();
    assertThat(row(id)).containsEntry("state", "CANCELLED").containsEntry("lease_owner", null);
    assertThat(row(id).get("finished_at")).isNotNull();
    assertThat(commands.apply(id, RunCommand.RESUME)).isFalse();
    assertThat(leases.state(id)).isEqualTo(RunState.CANCELLED);
    assertThat(commands.apply(UUID.randomUUID(), RunCommand.CANCEL)).isFalse();
  }
}
