package dev.grpo.reward.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SandboxExecutorTest {

  @Test
  void rejectsBeyondTheQueueWithARetryHint() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (SandboxExecutor ex = new SandboxExecutor(2, 3)) {
      for (int i = 0; i < 5; i++) { // 2 running + 3 queued
        ex.submit(
            () -> {
              await(release);
              return 1;
            });
      }
      assertThat(ex.queued()).isEqualTo(3);
      assertThatThrownBy(() -> ex.submit(() -> 1))
          .isInstanceOfSatisfying(
              SandboxBusyException.class,
              e -> {
                assertThat(e.retryAfter().toSeconds()).isGreaterThanOrEqualTo(1);
                assertThat(e.getMessage()).contains("3 submissions queued");
              });
      release.countDown();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (ex.queued() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      CompletableFuture<Integer> later = ex.submit(() -> 42);
      assertThat(later.get(5, TimeUnit.SECONDS)).isEqualTo(42);
    }
  }

  @Test
  void failuresPropagateThroughTheFuture() {
    try (SandboxExecutor ex = new SandboxExecutor(1, 1)) {
      CompletableFuture<Integer> f =
          ex.submit(
              () -> {
                throw new IllegalStateException("boom");
              });
      assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).hasRootCauseMessage("boom");
    }
  }

  @Test
  void retryAfterGrowsWithTheQueue() {
    try (SandboxExecutor ex = new SandboxExecutor(2, 100)) {
      assertThat(ex.retryAfter(100)).isGreaterThan(ex.retryAfter(0));
    }
  }

  private static void await(CountDownLatch l) {
    try {
      l.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
