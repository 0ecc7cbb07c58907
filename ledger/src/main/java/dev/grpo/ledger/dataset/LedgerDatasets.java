package dev.grpo.ledger.dataset;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Datasets as ledger artifacts ({@code dataset}, {@code dataset_row}): made by a stage's run (one
 * per run) or imported. Rows are written idempotently on (dataset, row key), so a stage redone
 * after a crash writes nothing twice.
 */
@Component
public class LedgerDatasets {

  /** A dataset's header; {@code rows} counted from its rows. */
  public record Dataset(
      UUID id,
      String name,
      String source,
      UUID runId,
      String stats,
      long rows,
      Instant createdAt) {}

  /**
   * One row: a prompt, the completion to learn, the gold answer, and where the row came from
   * ({@code provenance} JSON: the policy or source, every rule's score).
   */
  public record Row(
      String key,
      int ordinal,
      String prompt,
      String completion,
      String answer,
      String provenance) {}

  private final JdbcTemplate jdbc;

  LedgerDatasets(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** The dataset a run writes; created on its first call, found on every later one. */
  public UUID forRun(UUID runId, String name) {
    jdbc.update(
        """
        INSERT INTO dataset (id, name, source, run_id) VALUES (?, ?, 'stage', ?)
        ON CONFLICT (run_id) DO NOTHING
        """,
        UUID.randomUUID(),
        name,
        runId);
    return jdbc.queryForObject("SELECT id FROM dataset WHERE run_id = ?", UUID.class, runId);
  }

  /** The dataset a run wrote, if it wrote one. */
  public Optional<UUID> ofRun(UUID runId) {
    return jdbc.queryForList("SELECT id FROM dataset WHERE run_id = ?", UUID.class, runId).stream()
        .findFirst();
  }

  /** Creates an imported dataset; with a key already used, returns the earlier one's id. */
  public UUID imported(String name, String idempotencyKey, List<Row> rows) {
    if (idempotencyKey != null) {
      Optional<UUID> earlier =
          jdbc
              .queryForList(
                  "SELECT id FROM dataset WHERE idempotency_key = ?", UUID.class, idempotencyKey)
              .stream()
              .findFirst();
      if (earlier.isPresent()) {
        return earlier.get();
      }
    }
    UUID id = UUID.randomUUID();
    jdbc.update(
        "INSERT INTO dataset (id, name, source, idempotency_key) VALUES (?, ?, 'import', ?)",
        id,
        name,
        idempotencyKey);
    insertRows(id, rows);
    return id;
  }

  /** Writes the rows a dataset does not hold yet (by row key). */
  public void insertRows(UUID datasetId, List<Row> rows) {
    jdbc.batchUpdate(
        """
        INSERT INTO dataset_row (dataset_id, row_key, ordinal, prompt, completion, answer,
                                 provenance)
        VALUES (?, ?, ?, ?, ?, ?, ?::jsonb)
        ON CONFLICT (dataset_id, row_key) DO NOTHING
        """,
        rows,
        1000,
        (ps, row) -> {
          ps.setObject(1, datasetId);
          ps.setString(2, row.key());
          ps.setInt(3, row.ordinal());
          ps.setString(4, row.prompt());
          ps.setString(5, row.completion());
          ps.setString(6, row.answer());
          ps.setString(7, row.provenance());
        });
  }

  /** Records what made the dataset (e.g. the counts of kept and rejected rows per reason). */
  public void stats(UUID datasetId, String statsJson) {
    jdbc.update("UPDATE dataset SET stats = ?::jsonb WHERE id = ?", statsJson, datasetId);
  }

  public Optional<Dataset> find(UUID id) {
    return jdbc.query(SELECT + " WHERE d.id = ?", LedgerDatasets::dataset, id).stream().findFirst();
  }

  /** The newest datasets first. */
  public List<Dataset> list(int limit) {
    return jdbc.query(
        SELECT + " ORDER BY d.created_at DESC, d.id LIMIT ?", LedgerDatasets::dataset, limit);
  }

  /** Every row in order. */
  public List<Row> rows(UUID datasetId) {
    return jdbc.query(
        """
        SELECT row_key, ordinal, prompt, completion, answer, provenance::text AS provenance
        FROM dataset_row WHERE dataset_id = ? ORDER BY ordinal, row_key
        """,
        LedgerDatasets::row,
        datasetId);
  }

  /** Hands every row in order to {@code sink}, fetching them in chunks (for a streamed export). */
  public void forEachRow(UUID datasetId, Consumer<Row> sink) {
    jdbc.query(
        con -> {
          var ps =
              con.prepareStatement(
                  """
                  SELECT row_key, ordinal, prompt, completion, answer,
                         provenance::text AS provenance
                  FROM dataset_row WHERE dataset_id = ? ORDER BY ordinal, row_key
                  """);
          ps.setObject(1, datasetId);
          ps.setFetchSize(500);
          return ps;
        },
        (ResultSet rs) -> {
          sink.accept(row(rs, 0));
        });
  }

  private static final String SELECT =
      """
      SELECT d.id, d.name, d.source, d.run_id, d.stats::text AS stats, d.created_at,
             (SELECT count(*) FROM dataset_row r WHERE r.dataset_id = d.id) AS rows
      FROM dataset d
      """;

  private static Dataset dataset(ResultSet rs, int i) throws SQLException {
    return new Dataset(
        rs.getObject("id", UUID.class),
        rs.getString("name"),
        rs.getString("source"),
        rs.getObject("run_id", UUID.class),
        rs.getString("stats"),
        rs.getLong("rows"),
        rs.getTimestamp("created_at").toInstant());
  }

  private static Row row(ResultSet rs, int i) throws SQLException {
    return new Row(
        rs.getString("row_key"),
        rs.getInt("ordinal"),
        rs.getString("prompt"),
        rs.getString("completion"),
        rs.getString("answer"),
        rs.getString("provenance"));
  }
}
