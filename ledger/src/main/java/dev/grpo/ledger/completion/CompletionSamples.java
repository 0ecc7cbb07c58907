package dev.grpo.ledger.completion;

import dev.grpo.ledger.completion.CompletionWriter.StoredCompletion;
import java.sql.PreparedStatement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Reads the samples the ledger already holds for some items of one step, so a retried rollout call
 * samples only what is missing.
 */
@Component
public class CompletionSamples {

  private static final String READ =
      """
      SELECT id, item_key, sample_index, text, token_ids, logprobs, finish_reason, policy_version,
             backend
      FROM completion
      WHERE run_id = ? AND step_no = ? AND item_key = ANY (?) AND sample_index < ?
      """;

  private final JdbcTemplate jdbc;

  public CompletionSamples(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Per item key, an array of {@code n} slots indexed by sample index; a slot is null where the
   * ledger holds no sample. Samples at index {@code n} or beyond are not read.
   */
  public Map<String, StoredCompletion[]> read(
      UUID runId, int stepNo, List<String> itemKeys, int n) {
    Map<String, StoredCompletion[]> byItem = new HashMap<>();
    for (String key : itemKeys) {
      byItem.put(key, new StoredCompletion[n]);
    }
    jdbc.query(
        con -> {
          PreparedStatement ps = con.prepareStatement(READ);
          ps.setObject(1, runId);
          ps.setInt(2, stepNo);
          ps.setArray(3, con.createArrayOf("text", itemKeys.toArray()));
          ps.setInt(4, n);
          return ps;
        },
        rs -> {
          StoredCompletion c = StoredCompletion.of(rs);
          byItem.get(c.itemKey())[c.sampleIndex()] = c;
        });
    return byItem;
  }
}
