package dev.grpo.ledger.rm;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The {@code reward_model_data} and {@code reward_model_epoch} rows of reward-model runs. Both
 * writes are idempotent on their key: a run redone after a takeover overwrites its rows.
 */
@Component
public class RewardModelLedger {

  /**
   * What the run's preference file gave.
   *
   * @param rejected rows left out, per reason (wire names)
   * @param rejectedExamples the first lines of each reason
   */
  public record DataRow(
      int trainPairs,
      int heldOutPairs,
      Map<String, Integer> rejected,
      Map<String, List<String>> rejectedExamples) {}

  /**
   * The model after an epoch.
   *
   * @param trainLoss null for epoch 0 (before training)
   * @param checkpointPath null when no checkpoint was written after this epoch
   */
  public record EpochRow(
      int epoch,
      long updates,
      Double trainLoss,
      Double trainAccuracy,
      double heldOutAccuracy,
      double heldOutLoss,
      String checkpointPath,
      String checkpointSha256) {}

  private final JdbcTemplate jdbc;
  private final ObjectMapper mapper;

  RewardModelLedger(JdbcTemplate jdbc, ObjectMapper mapper) {
    this.jdbc = jdbc;
    this.mapper = mapper;
  }

  public void recordData(UUID runId, DataRow row) {
    jdbc.update(
        """
        INSERT INTO reward_model_data
            (run_id, train_pairs, held_out_pairs, rejected, rejected_examples)
        VALUES (?, ?, ?, ?::jsonb, ?::jsonb)
        ON CONFLICT (run_id) DO UPDATE
        SET train_pairs = excluded.train_pairs, held_out_pairs = excluded.held_out_pairs,
            rejected = excluded.rejected, rejected_examples = excluded.rejected_examples,
            created_at = now()
        """,
        runId,
        row.trainPairs(),
        row.heldOutPairs(),
        mapper.writeValueAsString(row.rejected()),
        mapper.writeValueAsString(row.rejectedExamples()));
  }

  public void recordEpoch(UUID runId, EpochRow row) {
    jdbc.update(
        """
        INSERT INTO reward_model_epoch
            (run_id, epoch, updates, train_loss, train_accuracy, held_out_accuracy,
             held_out_loss, checkpoint_path, checkpoint_sha256)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (run_id, epoch) DO UPDATE
        SET updates = excluded.updates, train_loss = excluded.train_loss,
            train_accuracy = excluded.train_accuracy,
            held_out_accuracy = excluded.held_out_accuracy,
            held_out_loss = excluded.held_out_loss, checkpoint_path = excluded.checkpoint_path,
            checkpoint_sha256 = excluded.checkpoint_sha256, created_at = now()
        """,
        runId,
        row.epoch(),
        row.updates(),
        row.trainLoss(),
        row.trainAccuracy(),
        row.heldOutAccuracy(),
        row.heldOutLoss(),
        row.checkpointPath(),
        row.checkpointSha256());
  }

  /** The run's data row, or null before the data was read. */
  public DataRow data(UUID runId) {
    List<DataRow> rows =
        jdbc.query(
            """
            SELECT train_pairs, held_out_pairs, rejected, rejected_examples
            FROM reward_model_data WHERE run_id = ?
            """,
            (rs, i) ->
                new DataRow(
                    rs.getInt(1),
                    rs.getInt(2),
                    counts(mapper.readTree(rs.getString(3))),
                    examples(mapper.readTree(rs.getString(4)))),
            runId);
    return rows.isEmpty() ? null : rows.get(0);
  }

  /** The run's epochs, baseline (0) first. */
  public List<EpochRow> epochs(UUID runId) {
    return jdbc.query(
        """
        SELECT epoch, updates, train_loss, train_accuracy, held_out_accuracy, held_out_loss,
               checkpoint_path, checkpoint_sha256
        FROM reward_model_epoch WHERE run_id = ? ORDER BY epoch
        """,
        (rs, i) ->
            new EpochRow(
                rs.getInt(1),
                rs.getLong(2),
                rs.getObject(3, Double.class),
                rs.getObject(4, Double.class),
                rs.getDouble(5),
                rs.getDouble(6),
                rs.getString(7),
                rs.getString(8)),
        runId);
  }

  private static Map<String, Integer> counts(JsonNode node) {
    Map<String, Integer> out = new java.util.LinkedHashMap<>();
    node.properties().forEach(e -> out.put(e.getKey(), e.getValue().asInt()));
    return out;
  }

  private static Map<String, List<String>> examples(JsonNode node) {
    Map<String, List<String>> out = new java.util.LinkedHashMap<>();
    node.properties()
        .forEach(
            e -> {
              List<String> lines = new java.util.ArrayList<>();
              e.getValue().forEach(v -> lines.add(v.asString()));
              out.put(e.getKey(), lines);
            });
    return out;
  }
}
