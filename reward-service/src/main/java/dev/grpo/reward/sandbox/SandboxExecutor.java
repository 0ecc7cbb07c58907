package dev.grpo.reward.sandbox;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A fixed pool of sandbox workers (one per core by default) with a bounded queue. Beyond the queue
 * limit, {@link #submit} throws {@link SandboxBusyException} with a retry-after hint derived from
 * the queue length and the recent mean job time.
 */
public final class SandboxExecutor implements AutoCloseable {

  private final ThreadPoolExecutor pool;
  private final int workers;

  /** Exponentially weighted mean job time in microseconds. */
  private final AtomicLong meanMicros = new AtomicLong(200_000);

  public SandboxExecutor(int workers, int queueLimit) {
    if (workers <= 0 || queueLimit < 0) {
      throw new IllegalArgumentException("workers must be > 0 and queueLimit >= 0");
    }
    this.workers = workers;
    AtomicInteger n = new AtomicInteger();
    this.pool =
        new ThreadPoolExecutor(
            workers,
            workers,
            0,
            TimeUnit.MILLISECONDS,
            queueLimit == 0
                ? new java.util.concurrent.SynchronousQueue<>()
                : new ArrayBlockingQueue<>(queueLimit),
            r -> {
              Thread t = new Thread(r, "sandbox-worker-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            },
            new ThreadPoolExecutor.AbortPolicy());
  }

  /** One worker per available core, queue of 16 per worker. */
  public static SandboxExecutor forCores() {
    int cores = Runtime.getRuntime().availableProcessors();
    return new SandboxExecutor(cores, 16 * cores);
  }

  /**
   * Queues a job.
   *
   * @throws SandboxBusyException when the queue is full
   */
  public <T> CompletableFuture<T> submit(Supplier<T> job) {
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      pool.execute(
          () -> {
            long start = System.nanoTime();
            try {
              result.complete(job.get());
            } catch (Throwable t) {
              result.completeExceptionally(t);
            } finally {
              long micros = (System.nanoTime() - start) / 1000;
              meanMicros.updateAndGet(m -> (m * 7 + micros) / 8);
            }
          });
    } catch (RejectedExecutionException e) {
      int queued = pool.getQueue().size();
      throw new SandboxBusyException(queued, retryAfter(queued));
    }
    return result;
  }

  Duration retryAfter(int queued) {
    long micros = meanMicros.get() * (queued + workers) / workers;
    return Duration.ofSeconds(Math.max(1, (micros + 999_999) / 1_000_000));
  }

  public int workers() {
    return workers;
  }

  public int queued() {
    return pool.getQueue().size();
  }

  @Override
  public void close() {
    pool.shutdown();
    try {
      if (!pool.awaitTermination(60, TimeUnit.SECONDS)) {
        pool.shutdownNow();
      }
    } catch (InterruptedException e) {
      pool.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
