package dev.grpo.ledger.completion;

import dev.grpo.rule.RuleStatus;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The stored completions of one step with their prompts and per-rule rewards, paged: eval items
 * first, then by item and sample index.
 */
@Component
public class StepSamples {

  /**
   * One rule's stored result for a sample; {@code details} is what the rule said about it (the math
   * verifier's extracted {@code prediction} and {@code gold}, a sandbox's test counts), {@code {}}
   * when it said nothing.
   */
  public record SampleReward(
      String rule, String version, RuleStatus status, Double score, JsonNode details) {}

  /** One stored completion with its rewards. */
  public record Sample(
      long completionId,
      String itemId,
      String split,
      String prompt,
      int sampleIndex,
      String text,
      int tokens,
      String finishReason,
      long policyVersion,
      String backend,
      List<SampleReward> rewards) {}

  private static final String PAGE =
      """
      SELECT c.id, c.item_key, d.split, d.prompt, c.sample_index, c.text,
             cardinality(c.token_ids) AS tokens, c.finish_reason, c.policy_version, c.backend,
             array_agg(r.rule_id ORDER BY r.rule_id) FILTER (WHERE r.id IS NOT NULL) AS rules,
             array_agg(r.rule_version ORDER BY r.rule_id) FILTER (WHERE r.id IS NOT NULL)
                 AS versions,
             array_agg(r.status ORDER BY r.rule_id) FILTER (WHERE r.id IS NOT NULL) AS statuses,
             array_agg(r.score ORDER BY r.rule_id) FILTER (WHERE r.id IS NOT NULL) AS scores,
             array_agg(r.details::text ORDER BY r.rule_id) FILTER (WHERE r.id IS NOT NULL)
                 AS details
      FROM completion c
      LEFT JOIN dataset_item d ON d.run_id = c.run_id AND d.item_key = c.item_key
      LEFT JOIN reward r ON r.completion_id = c.id
      WHERE c.run_id = ? AND c.step_no = ?
      GROUP BY c.id, d.split, d.prompt
      ORDER BY d.split DESC NULLS LAST, c.item_key, c.sample_index
      LIMIT ? OFFSET ?
      """;

  private final JdbcTemplate jdbc;
  private final ObjectMapper mapper;

  StepSamples(JdbcTemplate jdbc, ObjectMapper mapper) {
    this.jdbc = jdbc;
    this.mapper = mapper;
  }

  /** How many completions the step stored. */
  public long count(UUID runId, int step) {
    Long n =
        jdbc.queryForObject(
            "SELECT count(*) FROM completion WHERE run_id = ? AND step_no = ?",
            Long.class,
            runId,
            step);
    return n == null ? 0 : n;
  }

  /** Page {@code page} (from 0) of {@code size} samples. */
  public List<Sample> page(UUID runId, int step, int page, int size) {
    return jdbc.query(PAGE, (rs, i) -> sample(rs), runId, step, size, (long) page * size);
  }

  private Sample sample(ResultSet rs) throws SQLException {
    List<SampleReward> rewards = new ArrayList<>();
    Object[] rules = array(rs.getArray("rules"));
    Object[] versions = array(rs.getArray("versions"));
    Object[] statuses = array(rs.getArray("statuses"));
    Object[] scores = array(rs.getArray("scores"));
    Object[] details = array(rs.getArray("details"));
    for (int k = 0; k < rules.length; k++) {
      rewards.add(
          new SampleReward(
              (String) rules[k],
              (String) versions[k],
              RuleStatus.valueOf((String) statuses[k]),
              scores[k] == null ? null : ((Number) scores[k]).doubleValue(),
              mapper.readTree((String) details[k])));
    }
    return new Sample(
        rs.getLong("id"),
        rs.getString("item_key"),
        rs.getString("split"),
        rs.getString("prompt"),
        rs.getInt("sample_index"),
        rs.getString("text"),
        rs.getInt("tokens"),
        rs.getString("finish_reason"),
        rs.getLong("policy_version"),
        rs.getString("backend"),
        rewards);
  }

  private static Object[] array(Array a) throws SQLException {
    return a == null ? new Object[0] : (Object[]) a.getArray();
  }
}
