package dev.grpo.reward.sandbox;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;

/**
 * Hands out one unprivileged uid per concurrent run, so RLIMIT_NPROC counts only that run's tasks
 * and leftovers can be found and killed by uid. A uid is claimed for this JVM with a file lock
 * under the work root, so two services on one host never share a uid.
 */
final class UidPool implements AutoCloseable {

  private final SandboxConfig config;
  private final LinkedBlockingDeque<Integer> free = new LinkedBlockingDeque<>();
  private final Map<Integer, FileLock> claimed = new HashMap<>();
  private final Path lockDir;
  private volatile Runnable onShortage = () -> {};

  UidPool(SandboxConfig config) {
    this.config = config;
    this.lockDir = config.workRoot().resolve("uid-locks");
    for (int i = 0; i < config.uidCount(); i++) {
      free.add(config.uidBase() + i);
    }
  }

  /**
   * Called when {@link #acquire} finds no free uid; it may free one (the warm pool gives back a
   * parked sandbox's uid, see {@link WarmPool}) so a run does not wait behind idle sandboxes.
   */
  void onShortage(Runnable freeOne) {
    this.onShortage = freeOne;
  }

  /** A uid, exclusively, until the lease is closed. */
  Lease acquire(long timeoutMillis) throws InterruptedException {
    Lease now = tryAcquire();
    if (now != null) {
      return now;
    }
    onShortage.run();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    int attempts = 0;
    while (true) {
      long left = deadline - System.nanoTime();
      Integer uid = free.pollFirst(Math.max(0, left), TimeUnit.NANOSECONDS);
      if (uid == null) {
        throw new IllegalStateException("no free sandbox uid within " + timeoutMillis + " ms");
      }
      if (claim(uid)) {
        return new Lease(uid);
      }
      free.addLast(uid); // held by another service on this host
      if (++attempts >= config.uidCount()) {
        attempts = 0;
        Thread.sleep(20);
      }
    }
  }

  /** A uid if one is free right now, else null; never waits. */
  Lease tryAcquire() {
    for (int attempts = 0; attempts < config.uidCount(); attempts++) {
      Integer uid = free.pollFirst();
      if (uid == null) {
        return null;
      }
      if (claim(uid)) {
        return new Lease(uid);
      }
      free.addLast(uid); // held by another service on this host
    }
    return null;
  }

  private boolean claim(int uid) {
    synchronized (claimed) {
      if (claimed.containsKey(uid)) {
        return true;
      }
      try {
        Files.createDirectories(lockDir);
        FileChannel ch =
            FileChannel.open(
                lockDir.resolve(uid + ".lock"),
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
          lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
          lock = null;
        }
        if (lock == null) {
          ch.close();
          return false;
        }
        // First use in this JVM: clear anything a crashed predecessor left behind.
        ProcessSweeper.killAll(uid, 2000);
        claimed.put(uid, lock);
        return true;
      } catch (IOException e) {
        throw new IllegalStateException("cannot lock sandbox uid " + uid, e);
      }
    }
  }

  /** SIGKILLs every process of the uids this JVM has claimed, e.g. runs abandoned at close. */
  void killClaimed() {
    List<Integer> uids;
    synchronized (claimed) {
      uids = List.copyOf(claimed.keySet());
    }
    for (int uid : uids) {
      ProcessSweeper.killAll(uid, 2000);
    }
  }

  @Override
  public void close() {
    synchronized (claimed) {
      for (FileLock lock : claimed.values()) {
        try {
          lock.channel().close();
        } catch (IOException e) {
          // best effort
        }
      }
      claimed.clear();
    }
  }

  final class Lease implements AutoCloseable {
    private final int uid;
    private boolean closed;

    private Lease(int uid) {
      this.uid = uid;
    }

    int uid() {
      return uid;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        free.addFirst(uid);
      }
    }
  }
}
