package dev.grpo.ledger.queue;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Runs {@link WorkQueue#reapExpired()} on a fixed delay in every service that has scheduling on. No
 * leader election is needed: the reap statement skips rows another reaper holds.
 */
@Component
class WorkItemReaper {

  private static final Logger log = LoggerFactory.getLogger(WorkItemReaper.class);

  private final WorkQueue queue;

  WorkItemReaper(WorkQueue queue) {
    this.queue = queue;
  }

  @Scheduled(
      fixedDelayString = "${grpo.ledger.reaper-interval:5s}",
      initialDelayString = "${grpo.ledger.reaper-interval:5s}")
  void reap() {
    WorkQueue.ReapResult result = queue.reapExpired();
    if (result.requeued() + result.blocked() > 0) {
      log.warn(
          "work items with expired leases: {} back to READY, {} BLOCKED",
          result.requeued(),
          result.blocked());
    }
  }
}
