package dev.grpo.ledger.sweep;

import dev.grpo.ledger.run.RunState;
import dev.grpo.ledger.step.StepState;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Hyperparameter sweeps ({@code sweep}) and the runs of their grid points: created once per
 * idempotency key, read back with each point run's state and its newest step and eval metrics.
 */
@Component
public class Sweeps {

  /** A stored sweep: its name and the request body (base spec and grid) it was made from. */
  public record Sweep(UUID id, String name, String spec, String requestHash) {}

  /**
   * One grid point's run as a sweep shows it.
   *
   * @param lastStepMetrics the metrics of its newest DONE step; null before the first
   * @param lastEvalMetrics the metrics of its newest evaluation; null before the first
   */
  public record PointRun(
      UUID id,
      String name,
      String spec,
      RunState state,
      int currentStep,
      String error,
      String lastStepMetrics,
      String lastEvalMetrics) {}

  private final JdbcTemplate jdbc;

  Sweeps(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Stores a new sweep.
   *
   * @throws org.springframework.dao.DuplicateKeyException when a sweep holds the key already
   */
  public void insert(Sweep sweep, String idempotencyKey) {
    jdbc.update(
        """
        INSERT INTO sweep (id, name, spec, idempotency_key, request_hash)
        VALUES (?, ?, ?::jsonb, ?, ?)
        """,
        sweep.id(),
        sweep.name(),
        sweep.spec(),
        idempotencyKey,
        sweep.requestHash());
  }

  public Optional<Sweep> find(UUID id) {
    return jdbc
        .query(
            "SELECT id, name, spec::text AS spec, request_hash FROM sweep WHERE id = ?",
            (rs, i) -> sweep(rs),
            id)
        .stream()
        .findFirst();
  }

  public Optional<Sweep> findByIdempotencyKey(String key) {
    return jdbc
        .query(
            """
            SELECT id, name, spec::text AS spec, request_hash FROM sweep
            WHERE idempotency_key = ?
            """,
            (rs, i) -> sweep(rs),
            key)
        .stream()
        .findFirst();
  }

  /** The runs of a sweep's grid points, in point order. */
  public List<PointRun> points(UUID sweepId) {
    return jdbc.query(
        """
        SELECT r.id, r.name, r.spec::text AS spec, r.state, r.current_step, r.error,
               (SELECT metrics::text FROM run_step s
                WHERE s.run_id = r.id AND s.state = ?
                ORDER BY s.step_no DESC LIMIT 1) AS last_step,
               (SELECT metrics::text FROM run_eval e
                WHERE e.run_id = r.id ORDER BY e.step_no DESC LIMIT 1) AS last_eval
        FROM run r WHERE r.sweep_id = ? ORDER BY r.idempotency_key
        """,
        (rs, i) ->
            new PointRun(
                rs.getObject("id", UUID.class),
                rs.getString("name"),
                rs.getString("spec"),
                RunState.valueOf(rs.getString("state")),
                rs.getInt("current_step"),
                rs.getString("error"),
                rs.getString("last_step"),
                rs.getString("last_eval")),
        StepState.DONE.name(),
        sweepId);
  }

  private static Sweep sweep(java.sql.ResultSet rs) throws java.sql.SQLException {
    return new Sweep(
        rs.getObject("id", UUID.class),
        rs.getString("name"),
        rs.getString("spec"),
        rs.getString("request_hash"));
  }
}
