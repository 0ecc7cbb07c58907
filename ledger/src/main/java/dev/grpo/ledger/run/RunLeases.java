package dev.grpo.ledger.run;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * The run lease: a trainer claims a queued run (or a running one whose owner stopped heart-beating)
 * with {@code FOR UPDATE SKIP LOCKED}, renews the lease while it drives the run, and every write it
 * makes about the run is fenced by {@code lease_owner}, so a trainer that lost its lease (paused,
 * taken over after a crash) cannot overwrite its successor.
 */
@Component
public class RunLeases {

  /** A claimed run: its id and where it stands in the ledger. */
  public record Claim(UUID runId, String spec, int currentStep, long policyVersion) {}

  private static final String CLAIM =
      """
      UPDATE run
      SET state = ?,
          lease_owner = ?,
          lease_expires_at = now() + ? * interval '1 millisecond',
          started_at = coalesce(started_at, now()),
          updated_at = now(),
          version = version + 1
      WHERE id = (
          SELECT id FROM run
          WHERE state = ?
             OR (state = ? AND (lease_expires_at IS NULL OR lease_expires_at < now()))
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
  public Optional<Claim> claim(String owner, Duration lease) {
    List<Claim> claimed =
        jdbc.query(
            CLAIM,
            (rs, i) ->
                new Claim(
                    rs.getObject("id", UUID.class),
                    rs.getString("spec"),
                    rs.getInt("current_step"),
                    rs.getLong("policy_version")),
            RunState.RUNNING.name(),
            owner,
            lease.toMillis(),
            RunState.QUEUED.name(),
            RunState.RUNNING.name());
    return claimed.stream().findFirst();
  }

  /**
   * Renews the lease; false when this trainer no longer holds it (taken over, or the run ended or
   * was cancelled). A paused run keeps its lease until the trainer reaches the step boundary.
   */
  public boolean heartbeat(UUID runId, String owner, Duration lease) {
    return jdbc.update(
            """
            UPDATE run SET lease_expires_at = now() + ? * interval '1 millisecond'
            WHERE id = ? AND lease_owner = ? AND state IN (?, ?)
            """,
            lease.toMillis(),
            runId,
            owner,
            RunState.RUNNING.name(),
            RunState.PAUSED.name())
        == 1;
  }

  /** The run's state as the API last set it. */
  public RunState state(UUID runId) {
    return RunState.valueOf(
        jdbc.queryForObject("SELECT state FROM run WHERE id = ?", String.class, runId));
  }

  /** Whether this trainer still holds the run's lease. */
  public boolean holds(UUID runId, String owner) {
    Integer n =
        jdbc.queryForObject(
            "SELECT count(*) FROM run WHERE id = ? AND lease_owner = ?",
            Integer.class,
            runId,
            owner);
    return n != null && n == 1;
  }

  /** Records the step the run has completed and the policy version it now holds. */
  public boolean progress(UUID runId, String owner, int step, long policyVersion) {
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

  /**
   * Marks every completion of a failed run that a rule of its spec never scored (the run failed
   * between the rollout and the scoring, in a step or an evaluation) with an explicit {@code ERROR}
   * for that rule, version {@code unscored}: the ledger never holds a completion whose reward is
   * silently missing.
   */
  private static final String MARK_UNSCORED =
      """
      INSERT INTO reward (completion_id, rule_id, rule_version, status, score, details)
      SELECT c.id, rules.rule, 'unscored', 'ERROR', NULL,
             jsonb_build_object('error', 'the run failed before this completion was scored')
      FROM completion c
      JOIN run r ON r.id = c.run_id
      CROSS JOIN LATERAL (
          SELECT DISTINCT e->>'rule' AS rule FROM jsonb_array_elements(r.spec->'rewards') e) rules
      WHERE c.run_id = ? AND rules.rule IS NOT NULL
        AND NOT EXISTS (
            SELECT 1 FROM reward w WHERE w.completion_id = c.id AND w.rule_id = rules.rule)
      ON CONFLICT ON CONSTRAINT reward_natural_uq DO NOTHING
      """;

  /**
   * Ends a running run ({@code SUCCEEDED} or {@code FAILED}); a cancelled or taken-over run is left
   * alone. A run that fails has its unscored completions marked (see {@link #MARK_UNSCORED}) in the
   * same transaction.
   */
  @Transactional
  public boolean finish(UUID runId, String owner, RunState end, String error) {
    if (end != RunState.SUCCEEDED && end != RunState.FAILED) {
      throw new IllegalArgumentException("a trainer ends a run as SUCCEEDED or FAILED, not " + end);
    }
    boolean ended = endRun(runId, owner, end, error);
    if (ended && end == RunState.FAILED) {
      jdbc.update(MARK_UNSCORED, runId);
    }
    return ended;
  }

  private boolean endRun(UUID runId, String owner, RunState end, String error) {
    return jdbc.update(
            """
            UPDATE run SET state = ?, error = ?, finished_at = now(), updated_at = now(),
                           lease_owner = NULL, lease_expires_at = NULL, version = version + 1
            WHERE id = ? AND lease_owner = ? AND state = ?
            """,
            end.name(),
            error,
            runId,
            owner,
            RunState.RUNNING.name())
        == 1;
  }

  /**
   * Counts a failed setup of a run that {@code owner} holds and answers how many there have been,
   * on any trainer; 0 when the run is no longer this owner's (its lease was taken over or it
   * ended).
   */
  public int recordSetupFailure(UUID runId, String owner) {
    List<Integer> count =
        jdbc.queryForList(
            """
            UPDATE run SET setup_failures = setup_failures + 1, updated_at = now(),
                           version = version + 1
            WHERE id = ? AND lease_owner = ? AND state = ?
            RETURNING setup_failures
            """,
            Integer.class,
            runId,
            owner,
            RunState.RUNNING.name());
    return count.isEmpty() ? 0 : count.get(0);
  }

  /** Forgets the failed setups of a run this owner holds (its setup just succeeded). */
  public void clearSetupFailures(UUID runId, String owner) {
    jdbc.update(
        """
        UPDATE run SET setup_failures = 0, updated_at = now(), version = version + 1
        WHERE id = ? AND lease_owner = ? AND setup_failures <> 0
        """,
        runId,
        owner);
  }

  /** Gives the lease back (the run was paused or cancelled at a step boundary). */
  public void release(UUID runId, String owner) {
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
