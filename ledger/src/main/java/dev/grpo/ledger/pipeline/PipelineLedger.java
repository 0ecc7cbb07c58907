package dev.grpo.ledger.pipeline;

import dev.grpo.ledger.run.RunState;
import dev.grpo.ledger.run.RunState.RunCommand;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * The pipelines and their stages ({@code pipeline}, {@code pipeline_stage}). A pipeline is created
 * with all its stages in one transaction. The executor claims a pipeline with a lease ({@code FOR
 * UPDATE SKIP LOCKED}) to advance it; every write it makes is fenced by {@code lease_owner}, so an
 * executor that lost its lease cannot overwrite its successor.
 */
@Component
public class PipelineLedger {

  /** A pipeline as stored. */
  public record Pipeline(
      UUID id,
      String name,
      String spec,
      RunState state,
      int currentStage,
      String idempotencyKey,
      String requestHash,
      String error,
      Instant createdAt,
      Instant finishedAt) {}

  /** One stage as stored; {@code runId} null until the stage started. */
  public record Stage(
      int ordinal,
      String name,
      String kind,
      StageState state,
      UUID runId,
      Long checkpointId,
      UUID datasetId,
      String metrics,
      String error,
      Instant startedAt,
      Instant finishedAt) {}

  /** A stage's life; it follows the state of its run. */
  public enum StageState {
    PENDING,
    RUNNING,
    PAUSED,
    SUCCEEDED,
    FAILED,
    CANCELLED
  }

  /** A new stage: its place, name and kind. */
  public record NewStage(int ordinal, String name, String kind) {}

  private static final String CLAIM =
      """
      UPDATE pipeline
      SET state = ?, lease_owner = ?,
          lease_expires_at = now() + ? * interval '1 millisecond',
          updated_at = now(), version = version + 1
      WHERE id = (
          SELECT id FROM pipeline
          WHERE state IN (?, ?) AND (lease_expires_at IS NULL OR lease_expires_at < now())
          ORDER BY updated_at, id
          LIMIT 1
          FOR UPDATE SKIP LOCKED)
      RETURNING id
      """;

  private final JdbcTemplate jdbc;

  PipelineLedger(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** Inserts a pipeline and all its stages, or nothing. */
  @Transactional
  public void create(
      UUID id,
      String name,
      String specJson,
      String idempotencyKey,
      String requestHash,
      List<NewStage> stages) {
    jdbc.update(
        """
        INSERT INTO pipeline (id, name, spec, state, idempotency_key, request_hash)
        VALUES (?, ?, ?::jsonb, ?, ?, ?)
        """,
        id,
        name,
        specJson,
        RunState.QUEUED.name(),
        idempotencyKey,
        requestHash);
    for (NewStage s : stages) {
      jdbc.update(
          "INSERT INTO pipeline_stage (pipeline_id, ordinal, name, kind) VALUES (?, ?, ?, ?)",
          id,
          s.ordinal(),
          s.name(),
          s.kind());
    }
  }

  public Optional<Pipeline> find(UUID id) {
    return jdbc.query("SELECT * FROM pipeline WHERE id = ?", PipelineLedger::pipeline, id).stream()
        .findFirst();
  }

  public Optional<Pipeline> findByIdempotencyKey(String key) {
    return jdbc
        .query("SELECT * FROM pipeline WHERE idempotency_key = ?", PipelineLedger::pipeline, key)
        .stream()
        .findFirst();
  }

  /** The newest pipelines first. */
  public List<Pipeline> list(int limit) {
    return jdbc.query(
        "SELECT * FROM pipeline ORDER BY created_at DESC, id LIMIT ?",
        PipelineLedger::pipeline,
        limit);
  }

  public List<Stage> stages(UUID pipelineId) {
    return jdbc.query(
        "SELECT * FROM pipeline_stage WHERE pipeline_id = ? ORDER BY ordinal",
        PipelineLedger::stage,
        pipelineId);
  }

  /** Claims the pipeline that waited longest for an advance, for {@code owner}. */
  public Optional<UUID> claim(String owner, Duration lease) {
    return jdbc
        .queryForList(
            CLAIM,
            UUID.class,
            RunState.RUNNING.name(),
            owner,
            lease.toMillis(),
            RunState.QUEUED.name(),
            RunState.RUNNING.name())
        .stream()
        .findFirst();
  }

  /** Gives the lease back after an advance. */
  public void release(UUID id, String owner) {
    jdbc.update(
        """
        UPDATE pipeline SET lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
        WHERE id = ? AND lease_owner = ?
        """,
        id,
        owner);
  }

  /**
   * Attaches the stage's run and marks the stage running, once (a stage that has a run keeps it),
   * and only while the pipeline runs: false when a pause or cancel came first.
   */
  public boolean startStage(UUID id, String owner, int ordinal, UUID runId) {
    return jdbc.update(
            """
            UPDATE pipeline_stage s SET run_id = ?, state = ?, started_at = now()
            FROM pipeline p
            WHERE s.pipeline_id = p.id AND p.id = ? AND p.lease_owner = ? AND p.state = 'RUNNING'
              AND s.ordinal = ? AND s.run_id IS NULL AND s.state = 'PENDING'
            """,
            runId,
            StageState.RUNNING.name(),
            id,
            owner,
            ordinal)
        == 1;
  }

  /** Mirrors a running stage's run being paused or resumed. */
  public void stageState(UUID id, int ordinal, StageState state) {
    jdbc.update(
        """
        UPDATE pipeline_stage SET state = ?
        WHERE pipeline_id = ? AND ordinal = ? AND state IN ('RUNNING', 'PAUSED')
        """,
        state.name(),
        id,
        ordinal);
  }

  /**
   * Records a succeeded stage's outputs and moves the pipeline to the next stage (or to its end).
   */
  @Transactional
  public boolean stageSucceeded(
      UUID id,
      String owner,
      int ordinal,
      Long checkpointId,
      UUID datasetId,
      String metricsJson,
      boolean last) {
    int moved =
        jdbc.update(
            """
            UPDATE pipeline SET current_stage = ?, updated_at = now(), version = version + 1,
                   state = CASE WHEN ? THEN 'SUCCEEDED' ELSE state END,
                   finished_at = CASE WHEN ? THEN now() ELSE finished_at END
            WHERE id = ? AND lease_owner = ? AND current_stage = ? AND state = 'RUNNING'
            """,
            ordinal + 1,
            last,
            last,
            id,
            owner,
            ordinal);
    if (moved != 1) {
      return false;
    }
    jdbc.update(
        """
        UPDATE pipeline_stage
        SET state = 'SUCCEEDED', checkpoint_id = ?, dataset_id = ?, metrics = ?::jsonb,
            finished_at = now()
        WHERE pipeline_id = ? AND ordinal = ?
        """,
        checkpointId,
        datasetId,
        metricsJson,
        id,
        ordinal);
    return true;
  }

  /** Ends the pipeline because its current stage ended as {@code end} (failed or cancelled). */
  @Transactional
  public boolean stageEnded(UUID id, String owner, int ordinal, StageState end, String error) {
    RunState pipelineEnd = end == StageState.CANCELLED ? RunState.CANCELLED : RunState.FAILED;
    int ended =
        jdbc.update(
            """
            UPDATE pipeline SET state = ?, error = ?, finished_at = now(), updated_at = now(),
                   version = version + 1
            WHERE id = ? AND lease_owner = ? AND current_stage = ? AND state = 'RUNNING'
            """,
            pipelineEnd.name(),
            error == null ? null : "stage " + ordinal + ": " + error,
            id,
            owner,
            ordinal);
    if (ended != 1) {
      return false;
    }
    jdbc.update(
        """
        UPDATE pipeline_stage SET state = ?, error = ?, finished_at = now()
        WHERE pipeline_id = ? AND ordinal = ?
        """,
        end.name(),
        error,
        id,
        ordinal);
    return true;
  }

  /**
   * Applies a user's command to the pipeline (same state machine as a run); false when nothing
   * changed. A cancel also cancels the stages not yet finished.
   */
  @Transactional
  public boolean apply(UUID id, RunCommand command) {
    RunState target = command.target();
    String[] from =
        Arrays.stream(RunState.values())
            .filter(command::allowedFrom)
            .map(Enum::name)
            .toArray(String[]::new);
    boolean terminal = target.isTerminal();
    int changed =
        jdbc.update(
            """
            UPDATE pipeline
            SET state = ?, updated_at = now(), version = version + 1,
                finished_at = CASE WHEN ? THEN now() ELSE finished_at END
            WHERE id = ? AND state = ANY (?) AND state <> ?
            """,
            ps -> {
              ps.setString(1, target.name());
              ps.setBoolean(2, terminal);
              ps.setObject(3, id);
              ps.setArray(4, ps.getConnection().createArrayOf("text", from));
              ps.setString(5, target.name());
            });
    if (changed == 1 && target == RunState.CANCELLED) {
      jdbc.update(
          """
          UPDATE pipeline_stage SET state = 'CANCELLED', finished_at = now()
          WHERE pipeline_id = ? AND state IN ('PENDING', 'RUNNING', 'PAUSED')
          """,
          id);
    }
    return changed == 1;
  }

  /** Records the lineage of a stage run's checkpoints: the checkpoint their policy started from. */
  public void linkCheckpoints(UUID runId, long parentCheckpointId) {
    jdbc.update(
        """
        UPDATE checkpoint SET parent_checkpoint_id = ?
        WHERE run_id = ? AND parent_checkpoint_id IS NULL AND id <> ?
        """,
        parentCheckpointId,
        runId,
        parentCheckpointId);
  }

  /** The checkpoint a checkpoint's policy started from; null for one trained from scratch. */
  public Long parentOf(long checkpointId) {
    return jdbc
        .queryForList(
            "SELECT parent_checkpoint_id FROM checkpoint WHERE id = ?", Long.class, checkpointId)
        .stream()
        .filter(java.util.Objects::nonNull)
        .findFirst()
        .orElse(null);
  }

  private static Pipeline pipeline(ResultSet rs, int i) throws SQLException {
    return new Pipeline(
        rs.getObject("id", UUID.class),
        rs.getString("name"),
        rs.getString("spec"),
        RunState.valueOf(rs.getString("state")),
        rs.getInt("current_stage"),
        rs.getString("idempotency_key"),
        rs.getString("request_hash"),
        rs.getString("error"),
        instant(rs.getTimestamp("created_at")),
        instant(rs.getTimestamp("finished_at")));
  }

  private static Stage stage(ResultSet rs, int i) throws SQLException {
    long checkpointId = rs.getLong("checkpoint_id");
    Long checkpoint = rs.wasNull() ? null : checkpointId;
    return new Stage(
        rs.getInt("ordinal"),
        rs.getString("name"),
        rs.getString("kind"),
        StageState.valueOf(rs.getString("state")),
        rs.getObject("run_id", UUID.class),
        checkpoint,
        rs.getObject("dataset_id", UUID.class),
        rs.getString("metrics"),
        rs.getString("error"),
        instant(rs.getTimestamp("started_at")),
        instant(rs.getTimestamp("finished_at")));
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }
}
