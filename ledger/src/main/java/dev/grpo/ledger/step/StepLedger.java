package dev.grpo.ledger.step;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The {@code run_step} and {@code run_eval} rows. A step row is written when the step starts and
 * rewritten at each phase; a redone step (after a takeover) overwrites its row, so there is always
 * exactly one row per step.
 */
@Component
public class StepLedger {

  /** One step as the API shows it. */
  public record StepRow(
      int step,
      StepState state,
      long policyVersion,
      JsonNode metrics,
      JsonNode phaseTimings,
      Instant startedAt,
      Instant finishedAt) {}

  /** One evaluation as the API shows it. */
  public record EvalRow(int step, long policyVersion, JsonNode metrics, Instant createdAt) {}

  private final JdbcTemplate jdbc;
  private final ObjectMapper mapper;

  StepLedger(JdbcTemplate jdbc, ObjectMapper mapper) {
    this.jdbc = jdbc;
    this.mapper = mapper;
  }

  /** Starts (or restarts) a step in its first phase, clearing what an earlier attempt left. */
  public void begin(UUID runId, int step, long policyVersion) {
    jdbc.update(
        """
        INSERT INTO run_step (run_id, step_no, state, policy_version)
        VALUES (?, ?, ?, ?)
        ON CONFLICT (run_id, step_no) DO UPDATE
        SET state = excluded.state, policy_version = excluded.policy_version,
            metrics = '{}'::jsonb, phase_timings = '{}'::jsonb, started_at = now(),
            finished_at = NULL
        """,
        runId,
        step,
        StepState.ROLLOUT.name(),
        policyVersion);
  }

  public void phase(UUID runId, int step, StepState state) {
    jdbc.update(
        "UPDATE run_step SET state = ? WHERE run_id = ? AND step_no = ?",
        state.name(),
        runId,
        step);
  }

  /** Ends a step ({@code DONE} or {@code FAILED}) with its metrics and phase timings. */
  public void finish(UUID runId, int step, StepState end, JsonNode metrics, JsonNode timings) {
    if (!end.isFinished()) {
      throw new IllegalArgumentException("a step finishes DONE or FAILED, not " + end);
    }
    jdbc.update(
        """
        UPDATE run_step SET state = ?, metrics = ?::jsonb, phase_timings = ?::jsonb,
                            finished_at = now()
        WHERE run_id = ? AND step_no = ?
        """,
        end.name(),
        mapper.writeValueAsString(metrics),
        mapper.writeValueAsString(timings),
        runId,
        step);
  }

  public void recordEval(UUID runId, int step, long policyVersion, JsonNode metrics) {
    jdbc.update(
        """
        INSERT INTO run_eval (run_id, step_no, policy_version, metrics) VALUES (?, ?, ?, ?::jsonb)
        ON CONFLICT (run_id, step_no) DO UPDATE
        SET policy_version = excluded.policy_version, metrics = excluded.metrics,
            created_at = now()
        """,
        runId,
        step,
        policyVersion,
        mapper.writeValueAsString(metrics));
  }

  /** Whether the evaluation after {@code step} steps is recorded. */
  public boolean hasEval(UUID runId, int step) {
    Integer n =
        jdbc.queryForObject(
            "SELECT count(*) FROM run_eval WHERE run_id = ? AND step_no = ?",
            Integer.class,
            runId,
            step);
    return n != null && n > 0;
  }

  /** Steps {@code >= from}, oldest first, at most {@code limit}. */
  public List<StepRow> steps(UUID runId, int from, int limit) {
    return jdbc.query(
        """
        SELECT step_no, state, policy_version, metrics::text AS metrics,
               phase_timings::text AS timings, started_at, finished_at
        FROM run_step WHERE run_id = ? AND step_no >= ? ORDER BY step_no LIMIT ?
        """,
        (rs, i) ->
            new StepRow(
                rs.getInt("step_no"),
                StepState.valueOf(rs.getString("state")),
                rs.getLong("policy_version"),
                mapper.readTree(rs.getString("metrics")),
                mapper.readTree(rs.getString("timings")),
                instant(rs.getTimestamp("started_at")),
                instant(rs.getTimestamp("finished_at"))),
        runId,
        from,
        limit);
  }

  /**
   * Steps that are DONE or FAILED, with a step number {@code >= from}: what the event stream sends.
   */
  public List<StepRow> finishedSteps(UUID runId, int from) {
    return steps(runId, from, 10_000).stream().filter(s -> s.finishedAt() != null).toList();
  }

  public List<EvalRow> evals(UUID runId) {
    return jdbc.query(
        """
        SELECT step_no, policy_version, metrics::text AS metrics, created_at
        FROM run_eval WHERE run_id = ? ORDER BY step_no
        """,
        (rs, i) ->
            new EvalRow(
                rs.getInt("step_no"),
                rs.getLong("policy_version"),
                mapper.readTree(rs.getString("metrics")),
                instant(rs.getTimestamp("created_at"))),
        runId);
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }
}
