package dev.grpo.ledger.rule;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A remote reward rule service registered by URL. */
@Entity
@Table(name = "reward_rule")
public class RewardRuleRegistration {

  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  private Long id;

  @Column(nullable = false)
  private String name;

  @Column(nullable = false)
  private String version;

  @Column(nullable = false)
  private String url;

  @Column(name = "timeout_ms", nullable = false)
  private int timeoutMillis;

  @Column(nullable = false)
  private boolean enabled;

  @Column(name = "created_at", nullable = false, insertable = false, updatable = false)
  private Instant createdAt;

  @Column(name = "updated_at", nullable = false)
  private Instant updatedAt;

  protected RewardRuleRegistration() {}

  public RewardRuleRegistration(
      String name, String version, String url, int timeoutMillis, Instant now) {
    this.name = name;
    this.version = version;
    this.url = url;
    this.timeoutMillis = timeoutMillis;
    this.enabled = true;
    this.updatedAt = now;
  }

  public void setEnabled(boolean enabled, Instant now) {
    this.enabled = enabled;
    this.updatedAt = now;
  }

  public Long getId() {
    return id;
  }

  public String getName() {
    return name;
  }

  public String getVersion() {
    return version;
  }

  public String getUrl() {
    return url;
  }

  public int getTimeoutMillis() {
    return timeoutMillis;
  }

  public boolean isEnabled() {
    return enabled;
  }

  public Instant getCreatedAt() {
    return createdAt;
  }

  public Instant getUpdatedAt() {
    return updatedAt;
  }
}
