package dev.grpo.ledger.reward;

import dev.grpo.rule.RuleStatus;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** One rule's verdict on one completion. */
@Entity
@Table(name = "reward")
public class Reward {

  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  private Long id;

  @Column(name = "completion_id", nullable = false)
  private long completionId;

  @Column(name = "rule_id", nullable = false)
  private String ruleId;

  @Column(name = "rule_version", nullable = false)
  private String ruleVersion;

  @Enumerated(EnumType.STRING)
  @Column(nullable = false)
  private RuleStatus status;

  private Double score;

  @JdbcTypeCode(SqlTypes.JSON)
  @Column(nullable = false, columnDefinition = "jsonb")
  private String details;

  @Column(name = "duration_us", nullable = false)
  private long durationMicros;

  @Column(name = "created_at", nullable = false, insertable = false, updatable = false)
  private Instant createdAt;

  protected Reward() {}

  public Long getId() {
    return id;
  }

  public long getCompletionId() {
    return completionId;
  }

  public String getRuleId() {
    return ruleId;
  }

  public String getRuleVersion() {
    return ruleVersion;
  }

  public RuleStatus getStatus() {
    return status;
  }

  public Double getScore() {
    return score;
  }

  public String getDetails() {
    return details;
  }

  public long getDurationMicros() {
    return durationMicros;
  }

  public Instant getCreatedAt() {
    return createdAt;
  }
}
