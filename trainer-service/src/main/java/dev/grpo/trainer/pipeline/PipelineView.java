package dev.grpo.trainer.pipeline;

import dev.grpo.ledger.pipeline.PipelineLedger.StageState;
import dev.grpo.ledger.run.RunState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * A pipeline as the API shows it: each stage's state, run and outputs, and one stage × metric table
 * (rows in stage order, columns {@link MetricTable#COLUMNS}, null where a stage has no such
 * metric).
 */
public record PipelineView(
    UUID id,
    String name,
    RunState state,
    int currentStage,
    String error,
    Instant createdAt,
    Instant finishedAt,
    List<StageView> stages,
    MetricTable table,
    JsonNode spec) {

  /**
   * One stage.
   *
   * @param checkpoint the ledger id of the checkpoint it produced, and its parent
   * @param dataset the ledger id of the dataset it produced
   * @param metrics its run's last evaluation (or rejection-sampling counts)
   */
  public record StageView(
      String name,
      String kind,
      StageState state,
      UUID run,
      String runState,
      int runStep,
      CheckpointRef checkpoint,
      UUID dataset,
      JsonNode metrics,
      String error,
      Instant startedAt,
      Instant finishedAt) {}

  /** A checkpoint and its lineage. */
  public record CheckpointRef(long id, Long parent, int step) {}

  /** Stage × metric. */
  public record MetricTable(List<String> columns, List<Map<String, Object>> rows) {}
}
