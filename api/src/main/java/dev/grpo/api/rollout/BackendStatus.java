package dev.grpo.api.rollout;

import java.util.List;

/**
 * {@code GET /api/v1/backends}: one configured inference backend.
 *
 * @param healthy true when at least one endpoint takes requests
 * @param outstandingRequests requests sent or waiting for an endpoint right now
 */
public record BackendStatus(
    String name,
    String type,
    boolean isDefault,
    boolean healthy,
    long policyVersion,
    String checkpointUri,
    int outstandingRequests,
    List<EndpointStatus> endpoints) {

  /**
   * One endpoint (an inference pod) of a backend.
   *
   * @param lastError why the last health check or request failed; null when it did not
   */
  public record EndpointStatus(
      String url, boolean healthy, int outstandingRequests, long requests, String lastError) {}
}
