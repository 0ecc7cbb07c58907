package dev.grpo.ledger.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.ledger.LedgerTestApplication;
import dev.grpo.testsupport.SharedPostgres;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The run lease against a real PostgreSQL: claim order, exclusivity, expiry and fencing. */
@SpringBootTest(classes = LedgerTestApplication.class)
class RunLeasesIT {

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    SharedPostgres.register(registry);
  }

  @Autowired RunLeases leases;
  @Autowired JdbcTemplate jdbc;

  @BeforeEach
  void empty() {
    jdbc.update("DELETE FROM run");
  }

  private UUID queued(String name, int secondsAgo) {
    UUID id = UUID.randomUUID();
    jdbc.update(
        "INSERT INTO run (id, name, spec, state, created_at) VALUES (?, ?, '{\"seed\": 1}'::jsonb,"
            + " 'QUEUED', now() - ? * interval '1 second')",
        id,
        name,
        secondsAgo);
    return id;
  }

  private Map<String, Object> row(UUID id) {
    return jdbc.queryForMap(
        "SELECT state, lease_owner, current_step, policy_version, error, started_at FROM run"
            + " WHERE id = ?",
        id);
  }

  @Test
  void claimsTheOldestQueuedRunOnceAndOnlyOnce() {
    UUID newer = queued("newer", 10);
    UUID older = queued("older", 20);
    RunLeases.Claim first = leases.claim("a", Duration.ofMinutes(1)).orElseThrow();
    assertThat(first.runId()).isEqualTo(older);
    assertThat(first.spec()).contains("\"seed\"");
    assertThat(row(older)).containsEntry("state", "RUNNING").containsEntry("lease_owner", "a");
    assertThat(row(older).get("started_at")).isNotNull();
    assertThat(leases.claim("b", Duration.ofMinutes(1)).orElseThrow().runId()).isEqualTo(newer);
    assertThat(leases.claim("c", Duration.ofMinutes(1))).isEmpty();
  }

  @Test
  void anExpiredLeaseIsTakenOverAndTheOldOwnerIsFencedOut() throws InterruptedException {
    UUID run = queued("r", 1);
    leases.claim("dead", Duration.ofSeconds(3)).orElseThrow();
    assertThat(leases.progress(run, "dead", 3, 4)).isTrue();
    assertThat(leases.claim("other", Duration.ofMinutes(1))).as("lease still valid").isEmpty();
    Thread.sleep(3_500);
    RunLeases.Claim takeover = leases.claim("new", Duration.ofMinutes(1)).orElseThrow();
    assertThat(takeover.runId()).isEqualTo(run);
    assertThat(takeover.currentStep()).isEqualTo(3);
    assertThat(takeover.policyVersion()).isEqualTo(4);
    // the dead owner's late writes change nothing
    assertThat(leases.heartbeat(run, "dead", Duration.ofMinutes(1))).isFalse();
    assertThat(leases.progress(run, "dead", 9, 10)).isFalse();
    assertThat(leases.finish(run, "dead", RunState.SUCCEEDED, null)).isFalse();
    assertThat(row(run))
        .containsEntry("state", "RUNNING")
        .containsEntry("lease_owner", "new")
        .containsEntry("current_step", 3);
    assertThat(leases.holds(run, "new")).isTrue();
    assertThat(leases.holds(run, "dead")).isFalse();
  }

  @Test
  void heartbeatsKeepTheLease() throws InterruptedException {
    UUID run = queued("r", 1);
    leases.claim("a", Duration.ofMillis(300)).orElseThrow();
    for (int i = 0; i < 4; i++) {
      Thread.sleep(150);
      assertThat(leases.heartbeat(run, "a", Duration.ofMillis(300))).isTrue();
    }
    assertThat(leases.claim("b", Duration.ofMinutes(1))).isEmpty();
  }

  @Test
  void finishOnlyEndsARunThatIsStillRunning() {
    UUID run = queued("r", 1);
    leases.claim("a", Duration.ofMinutes(1)).orElseThrow();
    // the user cancels while the step runs: the trainer's SUCCEEDED must not overwrite it
    jdbc.update(
        "UPDATE run SET state = 'CANCELLED', lease_owner = NULL, lease_expires_at = NULL"
            + " WHERE id = ?",
        run);
    assertThat(leases.finish(run, "a", RunState.SUCCEEDED, null)).isFalse();
    assertThat(row(run)).containsEntry("state", "CANCELLED");
    UUID other = queued("o", 1);
    leases.claim("a", Duration.ofMinutes(1)).orElseThrow();
    assertThat(leases.finish(other, "a", RunState.FAILED, "boom")).isTrue();
    assertThat(row(other))
        .containsEntry("state", "FAILED")
        .containsEntry("error", "boom")
        .containsEntry("lease_owner", null);
  }

  private long completion(UUID run, int step, String item) {
    return jdbc.queryForObject(
        "INSERT INTO completion (run_id, step_no, item_key, sample_index, text, token_ids,"
            + " logprobs, finish_reason, policy_version, backend)"
            + " VALUES (?, ?, ?, 0, 'x', '{1}', '{-0.5}', 'stop', 1, 'embedded') RETURNING id",
        Long.class, run, step, item);
  }

  @Test
  void aFailedRunLeavesNoCompletionWithoutARewardOrAnExplicitFailure() {
    UUID run = UUID.randomUUID();
    jdbc.update(
        "INSERT INTO run (id, name, spec, state) VALUES (?, 'f', '{\"rewards\": [{\"rule\":"
            + " \"math_accuracy\"}, {\"rule\": \"format\"}]}'::jsonb, 'QUEUED')",
        run);
    leases.claim("a", Duration.ofMinutes(1)).orElseThrow();
    long scored = completion(run, 0, "a");
    long half = completion(run, 1, "eval:b");
    long unscored = completion(run, 1, "eval:c");
    jdbc.update(
        "INSERT INTO reward (completion_id, rule_id, rule_version, status, score) VALUES"
            + " (?, 'math_accuracy', '3', 'OK', 1.0), (?, 'format', '2', 'OK', 0.0),"
            + " (?, 'format', '2', 'OK', 1.0)",
        scored,
        scored,
        half);

    assertThat(leases.finish(run, "a", RunState.FAILED, "reward service down")).isTrue();

    assertThat(
            jdbc.queryForList(
                "SELECT completion_id || ' ' || rule_id || ' ' || rule_version || ' ' || status"
                    + " || ' ' || coalesce(score::text, '-') FROM reward r JOIN completion c ON"
                    + " c.id = r.completion_id WHERE c.run_id = ? ORDER BY 1",
                String.class,
                run))
        .containsExactlyInAnyOrder(
            scored + " format 2 OK 0",
            scored + " math_accuracy 3 OK 1",
            half + " format 2 OK 1",
            half + " math_accuracy unscored ERROR -",
            unscored + " format unscored ERROR -",
            unscored + " math_accuracy unscored ERROR -");
    assertThat(
            jdbc.queryForObject(
                "SELECT details->>'error' FROM reward WHERE completion_id = ? AND rule_id ="
                    + " 'format'",
                String.class,
                unscored))
        .isEqualTo("the run failed before this completion was scored");
  }

  @Test
  void setupFailuresAreCountedInTheLedgerForTheLeaseHolderOnly() {
    UUID run = queued("r", 1);
    leases.claim("a", Duration.ofMinutes(1)).orElseThrow();
    assertThat(leases.recordSetupFailure(run, "a")).isEqualTo(1);
    leases.release(run, "a");
    assertThat(leases.recordSetupFailure(run, "a")).as("released: not a's").isZero();
    // another trainer claims it and fails too: the count goes on from the first trainer's
    leases.claim("b", Duration.ofMinutes(1)).orElseThrow();
    assertThat(leases.recordSetupFailure(run, "b")).isEqualTo(2);
    assertThat(leases.recordSetupFailure(run, "a")).as("not the holder").isZero();
    assertThat(
            jdbc.queryForObject("SELECT setup_failures FROM run WHERE id = ?", Integer.class, run))
        .isEqualTo(2);
  }

  @Test
  void theStateIsReadAsTheEnumAndATrainerCannotEndARunAsPausedOrCancelled() {
    UUID run = queued("r", 1);
    assertThat(leases.state(run)).isEqualTo(RunState.QUEUED);
    leases.claim("a", Duration.ofMinutes(1)).orElseThrow();
    assertThat(leases.state(run)).isEqualTo(RunState.RUNNING);
    assertThatThrownBy(() -> leases.finish(run, "a", RunState.CANCELLED, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(leases.state(run)).isEqualTo(RunState.RUNNING);
  }

  @Test
  void aPausedRunKeepsItsLeaseUntilReleasedAndIsNotClaimable() {
    UUID run = queued("r", 1);
    leases.claim("a", Duration.ofMinutes(1)).orElseThrow();
    jdbc.update("UPDATE run SET state = 'PAUSED' WHERE id = ?", run);
    assertThat(leases.heartbeat(run, "a", Duration.ofMinutes(1))).isTrue();
    leases.release(run, "a");
    assertThat(row(run)).containsEntry("state", "PAUSED").containsEntry("lease_owner", null);
    assertThat(leases.claim("b", Duration.ofMinutes(1))).isEmpty();
    // resume puts it back in the queue, where the next trainer claims it
    jdbc.update("UPDATE run SET state = 'QUEUED' WHERE id = ?", run);
    assertThat(leases.claim("b", Duration.ofMinutes(1)).orElseThrow().runId()).isEqualTo(run);
  }
}
