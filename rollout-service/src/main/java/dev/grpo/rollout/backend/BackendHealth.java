package dev.grpo.rollout.backend;

import dev.grpo.api.rollout.BackendStatus.EndpointStatus;
import java.util.List;

/**
 * A backend's health now.
 *
 * @param outstandingRequests requests sent to an endpoint or waiting for one
 */
public record BackendHealth(
    boolean healthy, int outstandingRequests, List<EndpointStatus> endpoints) {}
