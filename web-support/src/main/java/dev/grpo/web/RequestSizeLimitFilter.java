package dev.grpo.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses request bodies over a byte limit with 413 and a problem document: at once when the
 * declared {@code Content-Length} is over it, else (a chunked body) as soon as the bytes read pass
 * it, which {@link ApiExceptionHandler} turns into the same 413. Nothing over the limit is
 * buffered.
 */
public final class RequestSizeLimitFilter extends OncePerRequestFilter {

  /** Thrown from the body stream when a chunked body passes the limit. */
  public static final class RequestTooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    RequestTooLargeException(long limit) {
      super(tooLarge(limit));
    }
  }

  private final long maxBytes;

  public RequestSizeLimitFilter(long maxBytes) {
    if (maxBytes < 1) {
      throw new IllegalArgumentException("maxBytes must be positive");
    }
    this.maxBytes = maxBytes;
  }

  static String tooLarge(long limit) {
    return "the request body is over the limit of " + limit + " bytes";
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    long declared = request.getContentLengthLong();
    if (declared > maxBytes) {
      response.setStatus(413);
      response.setContentType("application/problem+json");
      response.setCharacterEncoding(StandardCharsets.UTF_8.name());
      response.setHeader("Connection", "close"); // do not read the rest of the body
      response
          .getWriter()
          .write(
              "{\"type\":\"https://grpo.dev/problems/request-too-large\","
                  + "\"title\":\"Content Too Large\",\"status\":413,\"detail\":\""
                  + tooLarge(maxBytes)
                  + "\"}");
      return;
    }
    chain.doFilter(declared >= 0 ? request : new Limited(request, maxBytes), response);
  }

  /** A request whose body stream throws once more than the limit has been read. */
  private static final class Limited extends HttpServletRequestWrapper {
    private final long limit;
    private ServletInputStream stream;

    Limited(HttpServletRequest request, long limit) {
      super(request);
      this.limit = limit;
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
      if (stream == null) {
        stream = new Counting(super.getInputStream(), limit);
      }
      return stream;
    }
  }

  private static final class Counting extends ServletInputStream {
    private final ServletInputStream in;
    private final long limit;
    private long read;

    Counting(ServletInputStream in, long limit) {
      this.in = in;
      this.limit = limit;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        count(1);
      }
      return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      int n = in.read(buf, off, len);
      if (n > 0) {
        count(n);
      }
      return n;
    }

    private void count(int n) throws RequestTooLargeException {
      read += n;
      if (read > limit) {
        throw new RequestTooLargeException(limit);
      }
    }

    @Override
    public boolean isFinished() {
      return in.isFinished();
    }

    @Override
    public boolean isReady() {
      return in.isReady();
    }

    @Override
    public void setReadListener(ReadListener listener) {
      in.setReadListener(listener);
    }
  }
}
