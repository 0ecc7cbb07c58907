package dev.grpo.web;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.MDC;
import org.springframework.http.client.ClientHttpRequestInterceptor;

/**
 * What ties one step's log lines together across the services: the run, the step and the request
 * id, kept in the logging MDC ({@link #RUN}, {@link #STEP}, {@link #REQUEST_ID}), printed by each
 * service's log pattern ({@code logging.pattern.correlation}), carried between services in {@link
 * #RUN_HEADER}, {@link #STEP_HEADER} and {@link #REQUEST_ID_HEADER} ({@link #propagating()} on the
 * caller's side, {@link CorrelationFilter} on the callee's).
 */
public final class Correlation {

  public static final String RUN = "run";
  public static final String STEP = "step";
  public static final String REQUEST_ID = "requestId";

  public static final String RUN_HEADER = "X-Grpo-Run";
  public static final String STEP_HEADER = "X-Grpo-Step";
  public static final String REQUEST_ID_HEADER = "X-Request-Id";

  /** What a request id from outside may look like; anything else is replaced, never logged. */
  private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  private static final Pattern STEP_NUMBER = Pattern.compile("\\d{1,9}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private Correlation() {}

  /** A fresh request id: 16 hex digits. */
  public static String newRequestId() {
    byte[] b = new byte[8];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** The id if it is safe to log and pass on, else null. */
  static String safeRequestId(String id) {
    return id != null && SAFE_ID.matcher(id).matches() ? id : null;
  }

  /** The run id if it is a UUID, else null. */
  static String safeRun(String run) {
    if (run == null || run.length() != 36) {
      return null;
    }
    try {
      return UUID.fromString(run).toString();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The step if it is a plain non-negative number, else null. */
  static String safeStep(String step) {
    return step != null && STEP_NUMBER.matcher(step).matches() ? step : null;
  }

  /** Puts the run on this thread's log lines until the returned scope closes. */
  public static MDC.MDCCloseable run(UUID run) {
    return MDC.putCloseable(RUN, run.toString());
  }

  /** Puts the step on this thread's log lines until the returned scope closes. */
  public static MDC.MDCCloseable step(long step) {
    return MDC.putCloseable(STEP, Long.toString(step));
  }

  /**
   * For a {@code RestClient}: sends this thread's run and step, and its request id (a fresh one per
   * call when the thread has none), so the callee logs under the same run and step.
   */
  public static ClientHttpRequestInterceptor propagating() {
    return (request, body, execution) -> {
      String run = MDC.get(RUN);
      String step = MDC.get(STEP);
      String id = MDC.get(REQUEST_ID);
      if (run != null) {
        request.getHeaders().set(RUN_HEADER, run);
      }
      if (step != null) {
        request.getHeaders().set(STEP_HEADER, step);
      }
      request.getHeaders().set(REQUEST_ID_HEADER, id != null ? id : newRequestId());
      return execution.execute(request, body);
    };
  }
}
