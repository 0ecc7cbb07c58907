package dev.grpo.ledger.queue;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * A work queue in the {@code work_item} table, shared by any number of workers in any number of
 * processes.
 *
 * <p>A claim takes up to N due items in one statement with {@code FOR UPDATE SKIP LOCKED}, so
 * concurrent workers never wait on each other nor take the same item. No row lock is held while the
 * work runs: the lease columns protect it. A worker extends its lease by heart-beating; an item
 * whose lease ran out is returned to READY by {@link #reapExpired()} and claimed again. Completion
 * is fenced by lease owner and row version, so a worker that lost its lease cannot complete the
 * item after its successor did. All times come from the database clock, so workers on hosts with
 * skewed clocks agree on expiry.
 */
@Component
public class WorkQueue {

  private static final String ENQUEUE =
      """
      INSERT INTO work_item (kind, run_id, step_no, payload, idempotency_key, max_attempts)
      VALUES (?, ?, ?, ?::jsonb, ?, ?)
      ON CONFLICT ON CONSTRAINT work_item_idempotency_uq DO NOTHING
      """;

  private static final String CLAIM =
      """
      WITH due AS (
          SELECT id FROM work_item
          WHERE state = 'READY' AND kind = ? AND available_at <= now()
          ORDER BY available_at, id
          LIMIT ?
          FOR UPDATE SKIP LOCKED
      )
      UPDATE work_item w
      SET state = 'CLAIMED', lease_owner = ?, lease_expires_at = now() + ?::interval,
          heartbeat_at = now(), version = w.version + 1, updated_at = now()
      FROM due
      WHERE w.id = due.id
      RETURNING w.id, w.kind, w.run_id, w.step_no, w.payload::text AS payload, w.idempotency_key,
                w.attempts, w.lease_owner, w.version, w.lease_expires_at
      """;

  private static final String HEARTBEAT =
      """
      UPDATE work_item w
      SET lease_expires_at = now() + ?::interval, heartbeat_at = now()
      FROM unnest(?::bigint[], ?::bigint[], ?::text[]) AS l(id, version, owner)
      WHERE w.id = l.id AND w.version = l.version AND w.lease_owner = l.owner
        AND w.state = 'CLAIMED' AND w.lease_expires_at > now()
      RETURNING w.id
      """;

  private static final String COMPLETE =
      """
      UPDATE work_item
      SET state = 'DONE', result = ?::jsonb, lease_expires_at = NULL, version = version + 1,
          updated_at = now()
      WHERE id = ? AND state = 'CLAIMED' AND lease_owner = ? AND version = ?
        AND lease_expires_at > now()
      """;

  private static final String FAIL =
      """
      UPDATE work_item
      SET state = CASE WHEN ? OR attempts + 1 >= max_attempts THEN 'FAILED' ELSE 'READY' END,
          attempts = attempts + 1, error = ?,
          available_at = now() + ?::interval,
          lease_owner = CASE WHEN ? OR attempts + 1 >= max_attempts THEN lease_owner END,
          lease_expires_at = NULL, version = version + 1, updated_at = now()
      WHERE id = ? AND state = 'CLAIMED' AND lease_owner = ? AND version = ?
        AND lease_expires_at > now()
      """;

  private static final String REAP =
      """
      UPDATE work_item
      SET state = CASE WHEN attempts + 1 >= max_attempts THEN 'BLOCKED' ELSE 'READY' END,
          attempts = attempts + 1,
          error = 'lease of ' || lease_owner || ' expired',
          lease_owner = NULL, lease_expires_at = NULL, version = version + 1, updated_at = now()
      WHERE id IN (
          SELECT id FROM work_item
          WHERE state = 'CLAIMED' AND lease_expires_at <= now()
          FOR UPDATE SKIP LOCKED
      )
      RETURNING state
      """;

  private final JdbcTemplate jdbc;

  public WorkQueue(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** Enqueues items in one batch; returns how many were new (retries enqueue nothing). */
  @Transactional
  public int enqueue(List<NewWorkItem> items) {
    int[][] counts =
        jdbc.batchUpdate(
            ENQUEUE,
            items,
            1000,
            (PreparedStatement ps, NewWorkItem item) -> {
              ps.setString(1, item.kind());
              ps.setObject(2, item.runId());
              ps.setObject(3, item.stepNo());
              ps.setString(4, item.payloadJson());
              ps.setString(5, item.idempotencyKey());
              ps.setInt(6, item.maxAttempts());
            });
    int inserted = 0;
    for (int[] batch : counts) {
      for (int n : batch) {
        inserted += Math.max(n, 0);
      }
    }
    return inserted;
  }

  /** Claims up to {@code max} due items of {@code kind} for {@code owner}, in one statement. */
  public List<ClaimedWorkItem> claim(String kind, String owner, int max, Duration lease) {
    if (max < 1) {
      throw new IllegalArgumentException("max must be at least 1, was " + max);
    }
    return jdbc.query(CLAIM, WorkQueue::claimed, kind, max, owner, interval(lease));
  }

  /**
   * Extends the given leases where they are still live; returns the ids whose lease was extended. A
   * lease is matched by item, owner and row version, so a stale task of an owner that lost an item
   * and later claimed it again cannot keep the new claim alive. An id missing from the answer was
   * lost (expired, reaped or taken over): its work should stop.
   */
  public Set<Long> heartbeat(Collection<ClaimedWorkItem.Lease> leases, Duration lease) {
    Set<Long> extended = new HashSet<>();
    if (leases.isEmpty()) {
      return extended;
    }
    jdbc.query(
        con -> {
          PreparedStatement ps = con.prepareStatement(HEARTBEAT);
          ps.setString(1, interval(lease));
          ps.setArray(
              2,
              con.createArrayOf(
                  "bigint", leases.stream().map(ClaimedWorkItem.Lease::itemId).toArray()));
          ps.setArray(
              3,
              con.createArrayOf(
                  "bigint", leases.stream().map(ClaimedWorkItem.Lease::version).toArray()));
          ps.setArray(
              4,
              con.createArrayOf(
                  "text", leases.stream().map(ClaimedWorkItem.Lease::owner).toArray()));
          return ps;
        },
        rs -> {
          extended.add(rs.getLong(1));
        });
    return extended;
  }

  /**
   * Marks the item DONE with its result if {@code lease} is still the live lease on it; returns
   * false (and changes nothing) when the lease was lost.
   */
  public boolean complete(ClaimedWorkItem.Lease lease, String resultJson) {
    return jdbc.update(
            COMPLETE,
            resultJson == null ? "{}" : resultJson,
            lease.itemId(),
            lease.owner(),
            lease.version())
        == 1;
  }

  /**
   * Gives the item back after a failed attempt: READY again after {@code retryAfter}, or FAILED
   * when {@code permanent} or its attempts are used up. Fenced like {@link #complete}.
   */
  public boolean fail(
      ClaimedWorkItem.Lease lease, String error, boolean permanent, Duration retryAfter) {
    return jdbc.update(
            FAIL,
            permanent,
            error,
            interval(retryAfter),
            permanent,
            lease.itemId(),
            lease.owner(),
            lease.version())
        == 1;
  }

  /**
   * Returns every item whose lease has run out to READY with one more attempt counted, or to
   * BLOCKED once it has used {@code max_attempts}. Safe to run in every replica at once: each
   * expired row is taken by one reaper only.
   */
  @Transactional
  public ReapResult reapExpired() {
    int requeued = 0;
    int blocked = 0;
    for (String state : jdbc.queryForList(REAP, String.class)) {
      if (state.equals("BLOCKED")) {
        blocked++;
      } else {
        requeued++;
      }
    }
    return new ReapResult(requeued, blocked);
  }

  /** How many items of {@code kind} are in each state. */
  public Map<WorkItemState, Long> countByState(String kind) {
    Map<WorkItemState, Long> counts = new EnumMap<>(WorkItemState.class);
    for (WorkItemState s : WorkItemState.values()) {
      counts.put(s, 0L);
    }
    jdbc.query(
        "SELECT state, count(*) FROM work_item WHERE kind = ? GROUP BY state",
        rs -> {
          counts.put(WorkItemState.valueOf(rs.getString(1)), rs.getLong(2));
        },
        kind);
    return counts;
  }

  /** What one reaper pass did. */
  public record ReapResult(int requeued, int blocked) {}

  private static ClaimedWorkItem claimed(ResultSet rs, int row) throws SQLException {
    return new ClaimedWorkItem(
        rs.getLong("id"),
        rs.getString("kind"),
        rs.getObject("run_id", UUID.class),
        (Integer) rs.getObject("step_no"),
        rs.getString("payload"),
        rs.getString("idempotency_key"),
        rs.getInt("attempts"),
        rs.getString("lease_owner"),
        rs.getLong("version"),
        rs.getTimestamp("lease_expires_at").toInstant());
  }

  private static String interval(Duration d) {
    return d.toMillis() + " milliseconds";
  }
}
