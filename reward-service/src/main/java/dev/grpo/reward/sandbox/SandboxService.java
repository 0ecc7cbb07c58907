package dev.grpo.reward.sandbox;

import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's one sandbox and its bounded executor. When bubblewrap is missing or broken the
 * service still starts (the other rules keep working), says why in the log, reports the sandbox
 * DOWN, and refuses code runs; it never runs code unsandboxed.
 */
public final class SandboxService implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SandboxService.class);

  private final SandboxAvailability availability;
  private final CodeSandbox sandbox;
  private final SandboxExecutor executor;

  /**
   * Probes the host and, when it can sandbox, starts the sandbox.
   *
   * @param workers concurrent sandboxed runs; 0 means one per core
   * @param queueLimit runs waiting beyond the workers; more are refused
   */
  public SandboxService(SandboxConfig config, int workers, int queueLimit, MeterRegistry meters) {
    this.availability = SandboxAvailability.probe(config);
    int threads = workers > 0 ? workers : Runtime.getRuntime().availableProcessors();
    if (availability.available()) {
      this.sandbox = CodeSandbox.start(config, meters);
      this.executor = new SandboxExecutor(threads, queueLimit);
      log.info("code sandbox ready: {} workers, queue limit {}", threads, queueLimit);
    } else {
      this.sandbox = null;
      this.executor = null;
      log.error(
          "code sandbox unavailable, code_execution and /api/v1/sandbox/run are refused: {}",
          availability.reason());
    }
  }

  public SandboxAvailability availability() {
    return availability;
  }

  /** The sandbox, or an exception saying why there is none. */
  public CodeSandbox sandbox() {
    availability.requireAvailable();
    return sandbox;
  }

  public SandboxExecutor executor() {
    availability.requireAvailable();
    return executor;
  }

  @Override
  public void close() {
    if (executor != null) {
      executor.close();
    }
    if (sandbox != null) {
      sandbox.close();
    }
  }
}
