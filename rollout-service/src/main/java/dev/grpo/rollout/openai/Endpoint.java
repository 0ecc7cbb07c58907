package dev.grpo.rollout.openai;

import dev.grpo.api.rollout.BackendStatus.EndpointStatus;
import java.net.URI;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** One inference server of a backend: its concurrency limit, load and health. */
final class Endpoint {

  private final URI base;
  private final Semaphore permits;
  private final AtomicInteger outstanding = new AtomicInteger();
  private final AtomicLong requests = new AtomicLong();
  private volatile boolean healthy = true;
  private volatile String lastError;
  // the LoRA adapter this server has loaded, as far as this service knows
  private volatile String loadedAdapter;
  // the checkpoint whose full weights this endpoint was last told to load, or null
  private volatile String loadedWeights;

  Endpoint(URI base, int maxConcurrency) {
    String s = base.toString();
    this.base = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
    this.permits = new Semaphore(maxConcurrency, true);
  }

  URI resolve(String path) {
    return URI.create(base + path);
  }

  URI base() {
    return base;
  }

  Semaphore permits() {
    return permits;
  }

  int outstanding() {
    return outstanding.get();
  }

  /** Counts a request against this endpoint from the moment it is chosen, waiting included. */
  void assigned() {
    outstanding.incrementAndGet();
    requests.incrementAndGet();
  }

  void finished() {
    outstanding.decrementAndGet();
  }

  boolean healthy() {
    return healthy;
  }

  void markHealthy() {
    healthy = true;
    lastError = null;
  }

  void markDown(String reason) {
    healthy = false;
    lastError = reason;
  }

  void noteError(String reason) {
    lastError = reason;
  }

  String loadedWeights() {
    return loadedWeights;
  }

  void loadedWeights(String checkpointUri) {
    loadedWeights = checkpointUri;
  }

  String loadedAdapter() {
    return loadedAdapter;
  }

  void loadedAdapter(String name) {
    loadedAdapter = name;
  }

  EndpointStatus status() {
    return new EndpointStatus(
        base.toString(), healthy, outstanding.get(), requests.get(), lastError);
  }
}
