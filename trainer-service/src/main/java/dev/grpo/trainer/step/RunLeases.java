package dev.grpo.trainer.step;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The run lease in the ledger: a trainer claims a queued run (or a running one whose owner stopped
 * heart-beating) with {@code FOR UPDATE SKIP LOCKED}, renews the lease while it drives the run, and
 * every write it makes about the run is fenced by {@code lease_owner}, so a trainer that lost its
 * lease (paused, taken over after a crash) cannot overwrite its successor.
 */
@Component
class RunLeases {

  /** A claimed run: its id and where it stands in the ledger. */
  record Claim(UUID runId, String spec, int currentStep, long policyVersion) {}

  private static final String CLAIM =
      """
      UPDATE run
      SET state = 'RUNNING',
          lease_owner = ?,
          lease_expires_at = now() + ? * interval '1 millisecond',
          started_at = coalesce(started_at, now()),
          updated_at = now(),
          version = version + 1
      WHERE id = (
          SELECT id FROM run
          WHERE state = 'QUEUED'
             OR (state = 'RUNNING' AND (lease_expires_at IS NULL OR lease_expires_at < now()))
          ORDER BY created_at, id
          LIMIT 1
          FOR UPDATE SKIP LOCKED)
      RETURNING id, spec::text AS spec, current_step, policy_version
      """;

  private final JdbcTemplate jdbc;

  RunLeases(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** Claims the oldest claimable run for {@code owner}, if there is one. */
  Optional<Claim> claim(String owner, Duration lease) {
    List<Claim> claimed =
        jdbc.query(
            CLAIM,
            (rs, i) ->
                new Claim(
                    rs.getObject("id", UUID.class),
                    rs.getString("spec"),
                    rs.getInt("current_step"),
                    rs.getLong("policy_version")),
            owner,
            lease.toMillis());
    return claimed.stream().findFirst();
  }

  /**
   * Renews the lease; false when this trainer no longer holds it (taken over, or the run ended or
   * was cancelled). A paused run keeps its lease until the trainer reaches the step boundary.
   */
  boolean heartbeat(UUID runId, String owner, Duration lease) {
    return jdbc.update(
            """
            UPDATE run SET lease_expires_at = now() + ? * interval '1 millisecond'
            WHERE id = ? AND lease_owner = ? AND state IN ('RUNNING', 'PAUSED')
            """,
            lease.toMillis(),
            runId,
            owner)
        == 1;
  }

  /** The run's state as the API last set it (RUNNING, PAUSED, CANCELLED, ...). */
  String state(UUID runId) {
    return jdbc.queryForObject("SELECT state FROM run WHERE id = ?", String.class, runId);
  }

  /** Whether this trainer still holds the run's lease. */
  boolean holds(UUID runId, String owner) {
    Integer n =
        jdbc.queryForObject(
            "SELECT count(*) FROM run WHERE id = ? AND lease_owner = ?",
            Integer.class,
            runId,
            owner);
    return n != null && n == 1;
  }

  /** Records the step the run has completed and the policy version it now holds. */
  boolean progress(UUID runId, String owner, int step, long policyVersion) {
    return jdbc.update(
            """
            UPDATE run SET current_step = ?, policy_version = ?, updated_at = now(),
                           version = version + 1
            WHERE id = ? AND lease_owner = ?
            """,
            step,
            policyVersion,
            runId,
            owner)
        == 1;
  }

  /** Ends a running run (SUCCEEDED or FAILED); a cancelled or taken-over run is left alone. */
  boolean finish(UUID runId, String owner, String state, String error) {
    return jdbc.update(
            """
            UPDATE run SET state = ?, error = ?, finished_at = now(), updated_at = now(),
                           lease_owner = NULL, lease_expires_at = NULL, version = version + 1
            WHERE id = ? AND lease_owner = ? AND state = 'RUNNING'
            """,
            state,
            error,
            runId,
            owner)
        == 1;
  }

  /** Gives the lease back (the run was paused or cancelled at a step boundary). */
  void release(UUID runId, String owner) {
    jdbc.update(
        """
        UPDATE run SET lease_owner = NULL, lease_expires_at = NULL, updated_at = now(),
                       version = version + 1
        WHERE id = ? AND lease_owner = ?
        """,
        runId,
        owner);
  }
}
