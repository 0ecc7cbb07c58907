package dev.grpo.ledger.run;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A training run: its spec, where it stands, and who holds its lease. */
@Entity
@Table(name = "run")
public class Run {

  @Id private UUID id;

  @Column(nullable = false)
  private String name;

  @JdbcTypeCode(SqlTypes.JSON)
  @Column(nullable = false, columnDefinition = "jsonb")
  private String spec;

  @Enumerated(EnumType.STRING)
  @Column(nullable = false)
  private RunState state;

  @Column(name = "current_step", nullable = false)
  private int currentStep;

  @Column(name = "policy_version", nullable = false)
  private long policyVersion;

  @Column(name = "sweep_id")
  private UUID sweepId;

  @Column(name = "idempotency_key", updatable = false)
  private String idempotencyKey;

  @Column(name = "request_hash", updatable = false)
  private String requestHash;

  @Column(name = "lease_owner")
  private String leaseOwner;

  @Column(name = "lease_expires_at")
  private Instant leaseExpiresAt;

  private String error;

  @Column(name = "created_at", nullable = false, updatable = false)
  private Instant createdAt;

  @Column(name = "updated_at", nullable = false)
  private Instant updatedAt;

  @Column(name = "started_at")
  private Instant startedAt;

  @Column(name = "finished_at")
  private Instant finishedAt;

  @Version private long version;

  protected Run() {}

  public Run(
      UUID id, String name, String spec, String idempotencyKey, String requestHash, Instant now) {
    this.id = id;
    this.name = name;
    this.spec = spec;
    this.state = RunState.QUEUED;
    this.idempotencyKey = idempotencyKey;
    this.requestHash = requestHash;
    this.createdAt = now;
    this.updatedAt = now;
  }

  /** Moves the run to {@code next}, stamping the finish time when the run ends. */
  public void moveTo(RunState next, Instant now) {
    if (state == next) {
      return;
    }
    if (next == RunState.RUNNING && startedAt == null) {
      startedAt = now;
    }
    if (next.isTerminal()) {
      finishedAt = now;
      leaseOwner = null;
      leaseExpiresAt = null;
    }
    state = next;
    updatedAt = now;
  }

  public void setSweepId(UUID sweepId) {
    this.sweepId = sweepId;
  }

  public void fail(String error, Instant now) {
    this.error = error;
    moveTo(RunState.FAILED, now);
  }

  public UUID getId() {
    return id;
  }

  public String getName() {
    return name;
  }

  public String getSpec() {
    return spec;
  }

  public RunState getState() {
    return state;
  }

  public int getCurrentStep() {
    return currentStep;
  }

  public long getPolicyVersion() {
    return policyVersion;
  }

  public UUID getSweepId() {
    return sweepId;
  }

  public String getIdempotencyKey() {
    return idempotencyKey;
  }

  public String getRequestHash() {
    return requestHash;
  }

  public String getLeaseOwner() {
    return leaseOwner;
  }

  public Instant getLeaseExpiresAt() {
    return leaseExpiresAt;
  }

  public String getError() {
    return error;
  }

  public Instant getCreatedAt() {
    return createdAt;
  }

  public Instant getUpdatedAt() {
    return updatedAt;
  }

  public Instant getStartedAt() {
    return startedAt;
  }

  public Instant getFinishedAt() {
    return finishedAt;
  }

  public long getVersion() {
    return version;
  }
}
