package dev.grpo.rollout.rollout;

import dev.grpo.api.rollout.RolloutResponse.Sample;
import dev.grpo.ledger.completion.SqlArrays;
import java.sql.PreparedStatement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/** Reads the samples the ledger already holds for some items of a step. */
@Component
class LedgerSamples {

  private static final String READ =
      """
      SELECT id, item_key, sample_index, text, token_ids, logprobs, finish_reason, policy_version,
             backend
      FROM completion
      WHERE run_id = ? AND step_no = ? AND item_key = ANY (?) AND sample_index < ?
      """;

  private final JdbcTemplate jdbc;

  LedgerSamples(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** Per item id, an array of {@code n} slots; a slot is null where the ledger has no sample. */
  Map<String, Sample[]> read(UUID runId, int step, List<String> itemIds, int n) {
    Map<String, Sample[]> byItem = new HashMap<>();
    for (String id : itemIds) {
      byItem.put(id, new Sample[n]);
    }
    jdbc.query(
        con -> {
          PreparedStatement ps = con.prepareStatement(READ);
          ps.setObject(1, runId);
          ps.setInt(2, step);
          ps.setArray(3, con.createArrayOf("text", itemIds.toArray()));
          ps.setInt(4, n);
          return ps;
        },
        rs -> {
          int index = rs.getInt("sample_index");
          byItem.get(rs.getString("item_key"))[index] =
              new Sample(
                  index,
                  rs.getString("text"),
                  SqlArrays.ints(rs.getArray("token_ids")),
                  SqlArrays.floats(rs.getArray("logprobs")),
                  rs.getString("finish_reason"),
                  rs.getLong("policy_version"),
                  rs.getString("backend"),
                  rs.getLong("id"));
        });
    return byItem;
  }
}
