package dev.grpo.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Puts the caller's run, step and request id (see {@link Correlation}) in the MDC for the request's
 * log lines, and answers the request id in {@code X-Request-Id}. Values that are not a UUID, a
 * number or a short plain id are dropped (a fresh request id replaces a bad one): a header never
 * writes arbitrary text into the logs. A call made for a run (it names one) is logged once at INFO
 * when it ends, with its method, path, status and time, so every service has a line per call of a
 * step; other requests (health checks, scrapes, users) at DEBUG.
 */
public final class CorrelationFilter extends OncePerRequestFilter {

  private static final Logger log = LoggerFactory.getLogger(CorrelationFilter.class);

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String id = Correlation.safeRequestId(request.getHeader(Correlation.REQUEST_ID_HEADER));
    if (id == null) {
      id = Correlation.newRequestId();
    }
    String run = Correlation.safeRun(request.getHeader(Correlation.RUN_HEADER));
    String step = Correlation.safeStep(request.getHeader(Correlation.STEP_HEADER));
    response.setHeader(Correlation.REQUEST_ID_HEADER, id);
    MDC.put(Correlation.REQUEST_ID, id);
    if (run != null) {
      MDC.put(Correlation.RUN, run);
    }
    if (step != null) {
      MDC.put(Correlation.STEP, step);
    }
    long start = System.nanoTime();
    try {
      chain.doFilter(request, response);
    } finally {
      if (run != null || log.isDebugEnabled()) {
        String line = "{} {} -> {} in {} ms";
        Object[] args = {
          request.getMethod(),
          request.getRequestURI(),
          response.getStatus(),
          (System.nanoTime() - start) / 1_000_000
        };
        if (run != null) {
          log.info(line, args);
        } else {
          log.debug(line, args);
        }
      }
      MDC.remove(Correlation.REQUEST_ID);
      MDC.remove(Correlation.RUN);
      MDC.remove(Correlation.STEP);
    }
  }
}
