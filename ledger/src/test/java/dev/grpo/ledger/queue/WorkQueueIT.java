package dev.grpo.ledger.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.ledger.LedgerTestApplication;
import dev.grpo.testsupport.SharedPostgres;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

@SpringBootTest(
    classes = LedgerTestApplication.class,
    properties = {
      "spring.jpa.hibernate.ddl-auto=validate",
      "spring.datasource.hikari.maximum-pool-size=20",
      "grpo.ledger.reaper-interval=1h"
    })
class WorkQueueIT {

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    SharedPostgres.register(registry);
  }

  @Autowired WorkQueue queue;
  @Autowired JdbcTemplate jdbc;

  @BeforeEach
  void empty() {
    jdbc.update("DELETE FROM work_item");
  }

  @Test
  void eightConcurrentWorkersCompleteTwoThousandItemsExactlyOnce() throws Exception {
    int items = 2_000;
    List<NewWorkItem> work = new ArrayList<>();
    for (int i = 0; i < items; i++) {
      work.add(NewWorkItem.of("score", "item-" + i, "{\"n\":" + i + "}"));
    }
    assertThat(queue.enqueue(work)).isEqualTo(items);

    Map<Long, AtomicInteger> completions = new ConcurrentHashMap<>();
    AtomicInteger claimStatements = new AtomicInteger();
    ExecutorService workers = Executors.newFixedThreadPool(8);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Integer>> done = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int w = 0; w < 8; w++) {
      String owner = "worker-" + w;
      done.add(
          workers.submit(
              () -> {
                start.await();
                int mine = 0;
                while (true) {
                  List<ClaimedWorkItem> claimed =
                      queue.claim("score", owner, 25, Duration.ofSeconds(30));
                  claimStatements.incrementAndGet();
                  if (claimed.isEmpty()) {
                    return mine;
                  }
                  for (ClaimedWorkItem item : claimed) {
                    assertThat(item.leaseOwner()).isEqualTo(owner);
                    if (queue.complete(item.lease(), "{\"by\":\"" + owner + "\"}")) {
                      completions
                          .computeIfAbsent(item.id(), id -> new AtomicInteger())
                          .incrementAndGet();
                      mine++;
                    }
                  }
                }
              }));
    }
    start.countDown();
    int total = 0;
    List<Integer> perWorker = new ArrayList<>();
    for (Future<Integer> f : done) {
      int n = f.get(2, TimeUnit.MINUTES);
      perWorker.add(n);
      total += n;
    }
    workers.shutdown();
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        "work queue: 8 workers completed %d items in %.2f s (%.0f items/s, %d claim statements),"
            + " per worker %s%n",
        total, seconds, total / seconds, claimStatements.get(), perWorker);

    assertThat(total).isEqualTo(items);
    assertThat(completions).hasSize(items);
    assertThat(completions.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
    assertThat(queue.countByState("score"))
        .containsEntry(WorkItemState.DONE, (long) items)
        .containsEntry(WorkItemState.READY, 0L)
        .containsEntry(WorkItemState.CLAIMED, 0L);
    // the work was shared: no worker starved while another took everything
    assertThat(perWorker).allSatisfy(n -> assertThat(n).isGreaterThan(0));
  }

  @Test
  void aWorkerThatStopsHeartbeatingLosesItsItemsAndItsLateCompletionIsRejected() throws Exception {
    for (int i = 0; i < 10; i++) {
      queue.enqueue(List.of(NewWorkItem.of("rollout", "r-" + i, "{}")));
    }
    List<ClaimedWorkItem> stale = queue.claim("rollout", "dead-worker", 10, Duration.ofMillis(300));
    assertThat(stale).hasSize(10);
    // a live worker sees nothing to claim while the leases hold
    assertThat(queue.claim("rollout", "live-worker", 10, Duration.ofSeconds(30))).isEmpty();

    Thread.sleep(450);
    WorkQueue.ReapResult reaped = queue.reapExpired();
    assertThat(reaped).isEqualTo(new WorkQueue.ReapResult(10, 0));

    List<ClaimedWorkItem> retaken =
        queue.claim("rollout", "live-worker", 10, Duration.ofSeconds(30));
    assertThat(retaken).hasSize(10);
    assertThat(retaken).allSatisfy(item -> assertThat(item.attempts()).isEqualTo(1));
    for (ClaimedWorkItem item : retaken) {
      assertThat(queue.complete(item.lease(), "{\"by\":\"live\"}")).isTrue();
    }
    // the dead worker wakes up: every late completion and heartbeat is refused
    for (ClaimedWorkItem item : stale) {
      assertThat(queue.complete(item.lease(), "{\"by\":\"dead\"}")).isFalse();
      assertThat(queue.fail(item.lease(), "late", false, Duration.ZERO)).isFalse();
    }
    assertThat(
            queue.heartbeat(
                stale.stream().map(ClaimedWorkItem::lease).toList(), Duration.ofMinutes(1)))
        .isEmpty();
    assertThat(jdbc.queryForList("SELECT DISTINCT result->>'by' FROM work_item", String.class))
        .containsExactly("live");
    assertThat(queue.countByState("rollout")).containsEntry(WorkItemState.DONE, 10L);
  }

  @Test
  void heartbeatsKeepALeaseAliveAcrossTheReaper() throws Exception {
    queue.enqueue(List.of(NewWorkItem.of("train", "t-1", "{}")));
    // four beats of 0.6 s outlive the 1.5 s lease only because each beat extends it; the margin
    // per beat (0.9 s) keeps the test honest on a loaded machine
    ClaimedWorkItem item = queue.claim("train", "w", 1, Duration.ofMillis(1500)).get(0);
    for (int i = 0; i < 4; i++) {
      Thread.sleep(600);
      assertThat(queue.heartbeat(List.of(item.lease()), Duration.ofMillis(1500)))
          .containsExactly(item.id());
      assertThat(queue.reapExpired()).isEqualTo(new WorkQueue.ReapResult(0, 0));
    }
    // another owner cannot extend a lease it does not hold
    assertThat(
            queue.heartbeat(
                List.of(new ClaimedWorkItem.Lease(item.id(), "intruder", item.version())),
                Duration.ofMinutes(1)))
        .isEmpty();
    assertThat(queue.complete(item.lease(), "{}")).isTrue();
  }

  @Test
  void aStaleLeaseOfTheSameOwnerCannotKeepItsNewClaimAlive() throws Exception {
    queue.enqueue(List.of(NewWorkItem.of("sync", "same-owner", "{}")));
    ClaimedWorkItem first = queue.claim("sync", "w", 1, Duration.ofMillis(100)).get(0);
    Thread.sleep(200);
    assertThat(queue.reapExpired().requeued()).isEqualTo(1);
    ClaimedWorkItem second = queue.claim("sync", "w", 1, Duration.ofSeconds(30)).get(0);
    assertThat(second.id()).isEqualTo(first.id());
    assertThat(queue.heartbeat(List.of(first.lease()), Duration.ofMinutes(5))).isEmpty();
    assertThat(queue.complete(first.lease(), "{}")).isFalse();
    assertThat(queue.heartbeat(List.of(second.lease()), Duration.ofMinutes(5)))
        .containsExactly(second.id());
    assertThat(queue.complete(second.lease(), "{}")).isTrue();
  }

  @Test
  void anItemWhoseLeasesKeepExpiringIsBlockedAfterMaxAttempts() throws Exception {
    queue.enqueue(List.of(new NewWorkItem("sync", null, null, "{}", "s-1", 2)));
    for (int attempt = 1; attempt <= 2; attempt++) {
      assertThat(queue.claim("sync", "crashy", 1, Duration.ofMillis(50))).hasSize(1);
      Thread.sleep(120);
      WorkQueue.ReapResult r = queue.reapExpired();
      assertThat(r)
          .isEqualTo(attempt < 2 ? new WorkQueue.ReapResult(1, 0) : new WorkQueue.ReapResult(0, 1));
    }
    assertThat(queue.claim("sync", "anyone", 1, Duration.ofSeconds(1))).isEmpty();
    assertThat(queue.countByState("sync")).containsEntry(WorkItemState.BLOCKED, 1L);
    assertThat(
            jdbc.queryForObject(
                "SELECT attempts FROM work_item WHERE idempotency_key='s-1'", Integer.class))
        .isEqualTo(2);
  }

  @Test
  void failureRetriesLaterAndPermanentFailureStops() throws Exception {
    queue.enqueue(
        List.of(NewWorkItem.of("score", "f-1", "{}"), NewWorkItem.of("score", "f-2", "{}")));
    List<ClaimedWorkItem> claimed = queue.claim("score", "w", 2, Duration.ofSeconds(10));
    ClaimedWorkItem retryable = claimed.get(0);
    ClaimedWorkItem fatal = claimed.get(1);
    assertThat(queue.fail(retryable.lease(), "reward service 503", false, Duration.ofMillis(300)))
        .isTrue();
    assertThat(queue.fail(fatal.lease(), "bad payload", true, Duration.ZERO)).isTrue();
    // not due yet
    assertThat(queue.claim("score", "w", 2, Duration.ofSeconds(10))).isEmpty();
    Thread.sleep(400);
    List<ClaimedWorkItem> again = queue.claim("score", "w2", 2, Duration.ofSeconds(10));
    assertThat(again).extracting(ClaimedWorkItem::idempotencyKey).containsExactly("f-1");
    assertThat(again.get(0).attempts()).isEqualTo(1);
    assertThat(queue.countByState("score")).containsEntry(WorkItemState.FAILED, 1L);
  }

  @Test
  void enqueueIsIdempotentOnTheKey() {
    List<NewWorkItem> items =
        List.of(NewWorkItem.of("score", "k-1", "{}"), NewWorkItem.of("score", "k-2", "{}"));
    assertThat(queue.enqueue(items)).isEqualTo(2);
    assertThat(queue.enqueue(items)).isZero();
    assertThat(queue.countByState("score")).containsEntry(WorkItemState.READY, 2L);
  }

  @Test
  void claimTakesAtMostNAndOnlyTheRequestedKind() {
    for (int i = 0; i < 5; i++) {
      queue.enqueue(
          List.of(NewWorkItem.of("a", "a-" + i, "{}"), NewWorkItem.of("b", "b-" + i, "{}")));
    }
    List<ClaimedWorkItem> claimed = queue.claim("a", "w", 3, Duration.ofSeconds(5));
    assertThat(claimed).hasSize(3).allSatisfy(i -> assertThat(i.kind()).isEqualTo("a"));
    Set<Long> ids = new java.util.HashSet<>();
    claimed.forEach(i -> ids.add(i.id()));
    assertThat(queue.claim("a", "w", 10, Duration.ofSeconds(5)))
        .hasSize(2)
        .noneMatch(i -> ids.contains(i.id()));
  }
}
