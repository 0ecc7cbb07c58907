package dev.grpo.reward.code;

import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * The service's one sandbox and its bounded executor. When bubblewrap is missing or broken the
 * service still starts (the other rules keep working), says why in the log, reports the sandbox
 * DOWN in the readiness group, and refuses code runs; it never runs code unsandboxed.
 */
@Component
public class SandboxService implements DisposableBean {

  private static final Logger log = LoggerFactory.getLogger(SandboxService.class);

  private final SandboxAvailability availability;
  private final CodeSandbox sandbox;
  private final SandboxExecutor executor;
  private final SandboxFusionFacade facade;
  private final SandboxProperties properties;

  SandboxService(SandboxProperties properties, MeterRegistry meters) {
    this.properties = properties;
    SandboxConfig config = SandboxConfig.defaults().withBwrap(properties.bwrap());
    if (properties.workRoot() != null) {
      config = config.withWorkRoot(properties.workRoot());
    }
    this.availability = SandboxAvailability.probe(config);
    int workers =
        properties.workers() > 0
            ? properties.workers()
            : Runtime.getRuntime().availableProcessors();
    if (availability.available()) {
      this.sandbox = CodeSandbox.start(config, meters);
      this.executor = new SandboxExecutor(workers, properties.queueLimit());
      this.facade = new SandboxFusionFacade(sandbox, executor);
      log.info("code sandbox ready: {} workers, queue limit {}", workers, properties.queueLimit());
    } else {
      this.sandbox = null;
      this.executor = null;
      this.facade = null;
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

  SandboxFusionFacade facade() {
    availability.requireAvailable();
    return facade;
  }

  SandboxProperties properties() {
    return properties;
  }

  @Override
  public void destroy() {
    if (executor != null) {
      executor.close();
    }
    if (sandbox != null) {
      sandbox.close();
    }
  }
}
