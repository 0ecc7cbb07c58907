package dev.grpo.ledger.queue;

import java.util.Objects;
import java.util.UUID;

/**
 * Work to enqueue. The idempotency key makes enqueueing safe to retry: a second enqueue of the same
 * key is a no-op.
 */
public record NewWorkItem(
    String kind,
    UUID runId,
    Integer stepNo,
    String payloadJson,
    String idempotencyKey,
    int maxAttempts) {

  public NewWorkItem {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
    }
    payloadJson = payloadJson == null ? "{}" : payloadJson;
  }

  public static NewWorkItem of(String kind, String idempotencyKey, String payloadJson) {
    return new NewWorkItem(kind, null, null, payloadJson, idempotencyKey, 5);
  }
}
