package dev.grpo.ledger.checkpoint;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A checkpoint written by the trainer: where it is and the digest it must have on resume. */
@Entity
@Table(name = "checkpoint")
public class Checkpoint {

  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  private Long id;

  @Column(name = "run_id", nullable = false)
  private UUID runId;

  @Column(name = "step_no", nullable = false)
  private int stepNo;

  @Column(name = "policy_version", nullable = false)
  private long policyVersion;

  @Column(nullable = false)
  private String uri;

  @Column(nullable = false)
  private String sha256;

  @Column(name = "size_bytes", nullable = false)
  private long sizeBytes;

  @Column(name = "created_at", nullable = false, insertable = false, updatable = false)
  private Instant createdAt;

  protected Checkpoint() {}

  public Checkpoint(
      UUID runId, int stepNo, long policyVersion, String uri, String sha256, long sizeBytes) {
    this.runId = runId;
    this.stepNo = stepNo;
    this.policyVersion = policyVersion;
    this.uri = uri;
    this.sha256 = sha256;
    this.sizeBytes = sizeBytes;
  }

  public Long getId() {
    return id;
  }

  public UUID getRunId() {
    return runId;
  }

  public int getStepNo() {
    return stepNo;
  }

  public long getPolicyVersion() {
    return policyVersion;
  }

  public String getUri() {
    return uri;
  }

  public String getSha256() {
    return sha256;
  }

  public long getSizeBytes() {
    return sizeBytes;
  }

  public Instant getCreatedAt() {
    return createdAt;
  }
}
