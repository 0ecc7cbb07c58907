package dev.grpo.ledger.queue;

import java.time.Instant;
import java.util.UUID;

/**
 * A work item held under a lease. Completing it is fenced by {@link #lease()}: once the lease has
 * been taken over, the holder can no longer complete or fail it.
 */
public record ClaimedWorkItem(
    long id,
    String kind,
    UUID runId,
    Integer stepNo,
    String payloadJson,
    String idempotencyKey,
    int attempts,
    String leaseOwner,
    long version,
    Instant leaseExpiresAt) {

  public Lease lease() {
    return new Lease(id, leaseOwner, version);
  }

  /** The fencing token of a claim: item, owner and the row version the claim produced. */
  public record Lease(long itemId, String owner, long version) {}
}
