package dev.grpo.ledger.completion;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Writes a step's completions in one JDBC batch, idempotently on (run, step, item, sample index): a
 * retried rollout call stores nothing twice and gets back the rows the first call stored, so the
 * retry sees the same samples.
 */
@Component
public class CompletionWriter {

  private static final String INSERT =
      """
      INSERT INTO completion (run_id, step_no, item_key, sample_index, text, token_ids, logprobs,
                              finish_reason, policy_version, backend)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT ON CONSTRAINT completion_natural_uq DO NOTHING
      """;

  private static final String READ_BACK =
      """
      SELECT id, item_key, sample_index, text, token_ids, logprobs, finish_reason, policy_version,
             backend
      FROM completion
      WHERE run_id = ? AND step_no = ? AND item_key = ANY (?)
      """;

  /** A completion to store; its natural key is (runId, stepNo, itemKey, sampleIndex). */
  public record NewCompletion(
      UUID runId,
      int stepNo,
      String itemKey,
      int sampleIndex,
      String text,
      int[] tokenIds,
      float[] logprobs,
      String finishReason,
      long policyVersion,
      String backend) {}

  /** A stored completion: what the ledger holds under the natural key. */
  public record StoredCompletion(
      long id,
      String itemKey,
      int sampleIndex,
      String text,
      int[] tokenIds,
      float[] logprobs,
      String finishReason,
      long policyVersion,
      String backend) {

    /** The row at {@code rs}'s cursor of a query that selects the completion's columns. */
    static StoredCompletion of(ResultSet rs) throws SQLException {
      return new StoredCompletion(
          rs.getLong("id"),
          rs.getString("item_key"),
          rs.getInt("sample_index"),
          rs.getString("text"),
          SqlArrays.ints(rs.getArray("token_ids")),
          SqlArrays.floats(rs.getArray("logprobs")),
          rs.getString("finish_reason"),
          rs.getLong("policy_version"),
          rs.getString("backend"));
    }
  }

  private final JdbcTemplate jdbc;

  public CompletionWriter(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Stores the completions of one step of one run and returns, in input order, what the ledger
   * holds for each natural key (the first write wins).
   */
  @Transactional
  public List<StoredCompletion> writeAll(List<NewCompletion> completions) {
    if (completions.isEmpty()) {
      return List.of();
    }
    UUID runId = completions.get(0).runId();
    int stepNo = completions.get(0).stepNo();
    for (NewCompletion c : completions) {
      if (!c.runId().equals(runId) || c.stepNo() != stepNo) {
        throw new IllegalArgumentException("a batch holds the completions of one run and step");
      }
      if (c.tokenIds().length != c.logprobs().length) {
        throw new IllegalArgumentException(
            "completion %s/%d has %d tokens but %d log-probs"
                .formatted(c.itemKey(), c.sampleIndex(), c.tokenIds().length, c.logprobs().length));
      }
    }
    jdbc.batchUpdate(
        INSERT,
        completions,
        500,
        (PreparedStatement ps, NewCompletion c) -> {
          Connection con = ps.getConnection();
          ps.setObject(1, c.runId());
          ps.setInt(2, c.stepNo());
          ps.setString(3, c.itemKey());
          ps.setInt(4, c.sampleIndex());
          ps.setString(5, c.text());
          ps.setArray(6, con.createArrayOf("integer", SqlArrays.boxed(c.tokenIds())));
          ps.setArray(7, con.createArrayOf("real", SqlArrays.boxed(c.logprobs())));
          ps.setString(8, c.finishReason());
          ps.setLong(9, c.policyVersion());
          ps.setString(10, c.backend());
        });
    String[] keys =
        completions.stream().map(NewCompletion::itemKey).distinct().toArray(String[]::new);
    Map<String, StoredCompletion> stored = new HashMap<>();
    jdbc.query(
        con -> {
          PreparedStatement ps = con.prepareStatement(READ_BACK);
          ps.setObject(1, runId);
          ps.setInt(2, stepNo);
          ps.setArray(3, con.createArrayOf("text", keys));
          return ps;
        },
        rs -> {
          StoredCompletion s = StoredCompletion.of(rs);
          stored.put(s.itemKey() + '\u0000' + s.sampleIndex(), s);
        });
    List<StoredCompletion> result = new ArrayList<>(completions.size());
    for (NewCompletion c : completions) {
      result.add(stored.get(c.itemKey() + '\u0000' + c.sampleIndex()));
    }
    return result;
  }
}
