package dev.grpo.ledger.dataset;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A prompt of a run's dataset with what its rewards are checked against. */
@Entity
@Table(name = "dataset_item")
public class DatasetItem {

  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  private Long id;

  @Column(name = "run_id", nullable = false)
  private UUID runId;

  @Column(name = "item_key", nullable = false)
  private String itemKey;

  @Column(nullable = false)
  private String split;

  @Column(nullable = false)
  private int ordinal;

  @Column(nullable = false)
  private String prompt;

  @JdbcTypeCode(SqlTypes.JSON)
  @Column(nullable = false, columnDefinition = "jsonb")
  private String reference;

  @Column(name = "target_language")
  private String targetLanguage;

  @JdbcTypeCode(SqlTypes.JSON)
  @Column(nullable = false, columnDefinition = "jsonb")
  private String metadata = "{}";

  protected DatasetItem() {}

  public DatasetItem(
      UUID runId,
      String itemKey,
      String split,
      int ordinal,
      String prompt,
      String reference,
      String targetLanguage) {
    this.runId = runId;
    this.itemKey = itemKey;
    this.split = split;
    this.ordinal = ordinal;
    this.prompt = prompt;
    this.reference = reference;
    this.targetLanguage = targetLanguage;
  }

  public Long getId() {
    return id;
  }

  public UUID getRunId() {
    return runId;
  }

  public String getItemKey() {
    return itemKey;
  }

  public String getSplit() {
    return split;
  }

  public int getOrdinal() {
    return ordinal;
  }

  public String getPrompt() {
    return prompt;
  }

  public String getReference() {
    return reference;
  }

  public String getTargetLanguage() {
    return targetLanguage;
  }

  public String getMetadata() {
    return metadata;
  }
}
