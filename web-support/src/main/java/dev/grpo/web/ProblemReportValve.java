package dev.grpo.web;

import java.io.IOException;
import java.io.Writer;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.springframework.http.HttpStatus;

/**
 * Tomcat's error report for requests it refuses before any servlet runs (a malformed request line
 * or header, an unsupported HTTP version), as a problem document instead of Tomcat's HTML page.
 * Like {@link ProblemErrorController} it says only the status; the container's message may name
 * internals. Tomcat's host creates it by name ({@code errorReportValveClass}), set before the host
 * starts, so it is public with the implicit no-argument constructor.
 */
public final class ProblemReportValve extends ErrorReportValve {

  @Override
  protected void report(Request request, Response response, Throwable throwable) {
    int status = response.getStatus();
    // as Tomcat's own report: only an error raised with sendError, reported once, with no body yet
    // (an application's empty 409 or a HEAD 404 stays as the application left it)
    if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
      return;
    }
    AtomicBoolean ioAllowed = new AtomicBoolean(true);
    response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
    if (!ioAllowed.get()) {
      return;
    }
    HttpStatus known = HttpStatus.resolve(status);
    String reason = known == null ? "Error" : known.getReasonPhrase();
    try {
      response.setContentType("application/problem+json");
      response.setCharacterEncoding("utf-8");
      Writer writer = response.getReporter();
      if (writer != null) {
        writer.write(
            "{\"type\":\"about:blank\",\"title\":\"%s\",\"status\":%d,\"detail\":\"%s\"}"
                .formatted(reason, status, reason));
        response.finishResponse();
      }
    } catch (IOException | IllegalStateException ignored) {
      // the connection is gone or the response was committed meanwhile: nothing left to tell
    }
  }
}
