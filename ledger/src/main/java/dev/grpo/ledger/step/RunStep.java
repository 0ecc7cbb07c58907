package dev.grpo.ledger.step;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** One GRPO step of a run: its phase, metrics and phase timings. */
@Entity
@Table(name = "run_step")
@IdClass(RunStep.Key.class)
public class RunStep {

  /** The natural key: a run has one row per step number. */
  public record Key(UUID runId, int stepNo) implements Serializable {
    public Key() {
      this(null, 0);
    }
  }

  @Id
  @Column(name = "run_id")
  private UUID runId;

  @Id
  @Column(name = "step_no")
  private int stepNo;

  @Column(nullable = false)
  private String state;

  @Column(name = "policy_version", nullable = false)
  private long policyVersion;

  @JdbcTypeCode(SqlTypes.JSON)
  @Column(nullable = false, columnDefinition = "jsonb")
  private String metrics = "{}";

  @JdbcTypeCode(SqlTypes.JSON)
  @Column(name = "phase_timings", nullable = false, columnDefinition = "jsonb")
  private String phaseTimings = "{}";

  @Column(name = "started_at", nullable = false)
  private Instant startedAt;

  @Column(name = "finished_at")
  private Instant finishedAt;

  protected RunStep() {}

  public RunStep(UUID runId, int stepNo, String state, long policyVersion, Instant startedAt) {
    this.runId = runId;
    this.stepNo = stepNo;
    this.state = state;
    this.policyVersion = policyVersion;
    this.startedAt = startedAt;
  }

  public void finish(String state, String metrics, String phaseTimings, Instant now) {
    this.state = state;
    this.metrics = metrics;
    this.phaseTimings = phaseTimings;
    this.finishedAt = now;
  }

  public UUID getRunId() {
    return runId;
  }

  public int getStepNo() {
    return stepNo;
  }

  public String getState() {
    return state;
  }

  public long getPolicyVersion() {
    return policyVersion;
  }

  public String getMetrics() {
    return metrics;
  }

  public String getPhaseTimings() {
    return phaseTimings;
  }

  public Instant getStartedAt() {
    return startedAt;
  }

  public Instant getFinishedAt() {
    return finishedAt;
  }
}
