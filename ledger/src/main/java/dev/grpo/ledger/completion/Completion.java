package dev.grpo.ledger.completion;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** One sampled completion, with the exact tokens and log-probs of the policy that produced it. */
@Entity
@Table(name = "completion")
public class Completion {

  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  private Long id;

  @Column(name = "run_id", nullable = false)
  private UUID runId;

  @Column(name = "step_no", nullable = false)
  private int stepNo;

  @Column(name = "item_key", nullable = false)
  private String itemKey;

  @Column(name = "sample_index", nullable = false)
  private int sampleIndex;

  @Column(nullable = false)
  private String text;

  @Column(name = "token_ids", nullable = false)
  private int[] tokenIds;

  @Column(nullable = false)
  private float[] logprobs;

  @Column(name = "finish_reason", nullable = false)
  private String finishReason;

  @Column(name = "policy_version", nullable = false)
  private long policyVersion;

  @Column(nullable = false)
  private String backend;

  @Column(name = "created_at", nullable = false, insertable = false, updatable = false)
  private Instant createdAt;

  protected Completion() {}

  public Long getId() {
    return id;
  }

  public UUID getRunId() {
    return runId;
  }

  public int getStepNo() {
    return stepNo;
  }

  public String getItemKey() {
    return itemKey;
  }

  public int getSampleIndex() {
    return sampleIndex;
  }

  public String getText() {
    return text;
  }

  public int[] getTokenIds() {
    return tokenIds;
  }

  public float[] getLogprobs() {
    return logprobs;
  }

  public String getFinishReason() {
    return finishReason;
  }

  public long getPolicyVersion() {
    return policyVersion;
  }

  public String getBackend() {
    return backend;
  }

  public Instant getCreatedAt() {
    return createdAt;
  }
}
