package dev.grpo.ledger.reward;

import java.sql.PreparedStatement;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The stored completions a reward can be written for: the reward service checks a request's
 * completion ids here before it scores anything, so a reward never points at a missing row.
 */
@Component
public class RewardTargets {

  private static final String EXISTING = "SELECT id FROM completion WHERE id = ANY (?)";

  private final JdbcTemplate jdbc;

  public RewardTargets(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** The ids among {@code completionIds} that the ledger holds, in one query. */
  public Set<Long> existing(Collection<Long> completionIds) {
    Long[] wanted = completionIds.stream().distinct().toArray(Long[]::new);
    Set<Long> found = new HashSet<>();
    if (wanted.length == 0) {
      return found;
    }
    jdbc.query(
        con -> {
          PreparedStatement ps = con.prepareStatement(EXISTING);
          ps.setArray(1, con.createArrayOf("bigint", wanted));
          return ps;
        },
        rs -> {
          found.add(rs.getLong(1));
        });
    return found;
  }
}
