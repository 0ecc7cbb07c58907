package dev.grpo.rollout.openai;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Executors for tasks that mostly wait on HTTP: a virtual thread per task where the JVM has them
 * (21+), otherwise a bounded pool of platform threads, since the code is compiled for 17.
 */
final class BlockingIoExecutors {

  private BlockingIoExecutors() {}

  /**
   * @param platformThreads the pool size when virtual threads are not available; the endpoints'
   *     total concurrency, so no thread waits on a permit it cannot get
   */
  static ExecutorService create(String name, int platformThreads) {
    try {
      return (ExecutorService)
          java.util.concurrent.Executors.class
              .getMethod("newVirtualThreadPerTaskExecutor")
              .invoke(null);
    } catch (ReflectiveOperationException e) {
      int size = Math.max(1, Math.min(platformThreads, 1024));
      AtomicInteger count = new AtomicInteger();
      ThreadPoolExecutor pool =
          new ThreadPoolExecutor(
              size,
              size,
              30,
              TimeUnit.SECONDS,
              new LinkedBlockingQueue<>(),
              r -> {
                Thread t = new Thread(r, name + "-" + count.incrementAndGet());
                t.setDaemon(true);
                return t;
              });
      pool.allowCoreThreadTimeOut(true);
      return pool;
    }
  }
}
