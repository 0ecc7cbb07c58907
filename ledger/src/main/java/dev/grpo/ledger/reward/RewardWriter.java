package dev.grpo.ledger.reward;

import dev.grpo.rule.RuleStatus;
import java.sql.PreparedStatement;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Writes rule results in one JDBC batch, idempotently on (completion, rule, rule version): a
 * re-scored completion keeps the first result it was given under that rule version.
 */
@Component
public class RewardWriter {

  private static final String INSERT =
      """
      INSERT INTO reward (completion_id, rule_id, rule_version, status, score, details, duration_us)
      VALUES (?, ?, ?, ?, ?, ?::jsonb, ?)
      ON CONFLICT ON CONSTRAINT reward_natural_uq DO NOTHING
      """;

  /** One rule's result for one stored completion; {@code score} is null unless status is OK. */
  public record NewReward(
      long completionId,
      String ruleId,
      String ruleVersion,
      RuleStatus status,
      Double score,
      String detailsJson,
      long durationMicros) {
    public NewReward {
      try {
        status.checkScore(score);
      } catch (IllegalArgumentException wrong) {
        throw new IllegalArgumentException("rule " + ruleId + ": " + wrong.getMessage(), wrong);
      }
    }
  }

  private final JdbcTemplate jdbc;

  public RewardWriter(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** Stores the results; returns how many rows were new. */
  @Transactional
  public int writeAll(List<NewReward> rewards) {
    int[][] counts =
        jdbc.batchUpdate(
            INSERT,
            rewards,
            1000,
            (PreparedStatement ps, NewReward r) -> {
              ps.setLong(1, r.completionId());
              ps.setString(2, r.ruleId());
              ps.setString(3, r.ruleVersion());
              ps.setString(4, r.status().name());
              ps.setObject(5, r.score());
              ps.setString(6, r.detailsJson() == null ? "{}" : r.detailsJson());
              ps.setLong(7, r.durationMicros());
            });
    int inserted = 0;
    for (int[] batch : counts) {
      for (int n : batch) {
        inserted += Math.max(n, 0);
      }
    }
    return inserted;
  }
}
