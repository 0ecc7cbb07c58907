package dev.grpo.reward.sandbox;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sandboxes started ahead of their programs. Setting a sandbox up (the shell that opens the seccomp
 * filter, prlimit, setpriv, bubblewrap's namespaces and mounts) costs about a third of what
 * starting python3 costs; a parked sandbox has done all of it and waits inside bubblewrap, right
 * before exec, for its go byte. A run whose {@link Shape} matches a parked sandbox writes its files
 * and stdin into the sandbox's placeholders, sends the go byte and pays for its program only.
 *
 * <p>Every parked sandbox runs one program, then is deleted like any other run; nothing of one
 * submission is ever seen by another. A shape is warmed at its second run (one seen once, like a
 * problem with its own limits, never is), kept at {@code spares} parked sandboxes while it is in
 * use, and let go after {@link #IDLE} without a run; at most {@link #MAX_SHAPES} shapes are kept,
 * the least recently used going first. Parked sandboxes hold uids: a run that finds none free takes
 * one back from them (see {@link UidPool#onShortage}), so idle sandboxes never make a real run
 * wait. Refills run on one background thread, after the run that used a sandbox has ended.
 */
final class WarmPool implements AutoCloseable {

  static final int MAX_SHAPES = 4;

  /** Runs of a shape before it is warmed: a shape run once (one problem's own limits) never is. */
  static final int WARM_AFTER = 2;

  /** Shapes whose runs are counted toward {@link #WARM_AFTER}, least recently seen first. */
  private static final int COUNTED_SHAPES = 256;

  static final Duration IDLE = Duration.ofMinutes(10);

  private static final Logger log = LoggerFactory.getLogger(WarmPool.class);
  private static final AtomicInteger THREADS = new AtomicInteger();

  /**
   * What a parked sandbox is fixed to when it starts: the program's command line, the limits set on
   * its processes, its environment and host paths, and the names of the files in /sandbox. A run
   * uses a parked sandbox only if all of these are equal.
   */
  record Shape(
      List<String> command,
      Limits limits,
      Map<String, String> env,
      List<String> extraReadOnlyPaths,
      List<String> files) {

    Shape {
      command = List.copyOf(command);
      env = Map.copyOf(env);
      extraReadOnlyPaths = List.copyOf(extraReadOnlyPaths);
      files = List.copyOf(files);
    }
  }

  /**
   * The limits a sandbox's command line sets; the wall-clock deadline and the output caps are the
   * service's and apply from the go byte on.
   */
  record Limits(
      int cpuSeconds,
      long memoryMb,
      int maxProcesses,
      long maxFileSizeBytes,
      int maxOpenFiles,
      long scratchBytes) {

    static Limits of(SandboxPolicy p) {
      return new Limits(
          p.cpuSeconds(),
          p.memoryMb(),
          p.maxProcesses(),
          p.maxFileSizeBytes(),
          p.maxOpenFiles(),
          p.scratchBytes());
    }

    /** A policy with these limits, for building the command line. */
    SandboxPolicy policy() {
      return new SandboxPolicy(
          Duration.ofSeconds(1),
          cpuSeconds,
          memoryMb,
          maxProcesses,
          maxFileSizeBytes,
          maxOpenFiles,
          1,
          1,
          scratchBytes);
    }
  }

  private final SandboxRunner runner;
  private final RunDirectories dirs;
  private final int spares;
  private final ScheduledExecutorService warmer;

  /** Parked sandboxes by shape, least recently used shape first; guarded by itself. */
  private final LinkedHashMap<Shape, Deque<SandboxRunner.Parked>> parked =
      new LinkedHashMap<>(16, 0.75f, true);

  private final Map<Shape, Long> lastUse = new LinkedHashMap<>();

  /** Runs per shape seen lately; guarded by {@link #parked}. */
  private final Map<Shape, Integer> runs =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Shape, Integer> eldest) {
          return size() > COUNTED_SHAPES;
        }
      };

  private boolean closed;

  /**
   * @param spares parked sandboxes kept per shape in use; 0 parks none
   */
  WarmPool(SandboxRunner runner, RunDirectories dirs, int spares) {
    if (spares < 0) {
      throw new IllegalArgumentException("spares must be >= 0");
    }
    this.runner = runner;
    this.dirs = dirs;
    this.spares = spares;
    this.warmer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "sandbox-warmer-" + THREADS.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    if (spares > 0) {
      warmer.scheduleWithFixedDelay(this::letIdleShapesGo, 30, 30, TimeUnit.SECONDS);
    }
  }

  /**
   * The top-level file names of a submission's directory, sorted; empty when it holds anything but
   * regular files (a directory or a link), which parked sandboxes do not take.
   */
  static Optional<List<String>> files(Path box) throws IOException {
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(box)) {
      for (Path e : entries) {
        if (!Files.isRegularFile(e, LinkOption.NOFOLLOW_LINKS)) {
          return Optional.empty();
        }
        names.add(e.getFileName().toString());
      }
    }
    names.sort(null);
    return Optional.of(names);
  }

  /**
   * A parked sandbox of this shape, if one is ready; the shape is wanted from now on either way
   * (call {@link #replenish} once the run has ended).
   */
  Optional<SandboxRunner.Parked> claim(Shape shape) {
    if (spares == 0) {
      return Optional.empty();
    }
    List<SandboxRunner.Parked> dead = new ArrayList<>();
    List<SandboxRunner.Parked> evicted = new ArrayList<>();
    SandboxRunner.Parked found = null;
    synchronized (parked) {
      if (closed) {
        return Optional.empty();
      }
      lastUse.put(shape, System.nanoTime());
      if (runs.merge(shape, 1, Integer::sum) < WARM_AFTER && !parked.containsKey(shape)) {
        // not warmed before its second run: shapes used once would only evict the useful ones
        return Optional.empty();
      }
      Deque<SandboxRunner.Parked> ready = parked.computeIfAbsent(shape, s -> new ArrayDeque<>());
      while (parked.size() > MAX_SHAPES) {
        Iterator<Map.Entry<Shape, Deque<SandboxRunner.Parked>>> eldest =
            parked.entrySet().iterator();
        Map.Entry<Shape, Deque<SandboxRunner.Parked>> e = eldest.next();
        evicted.addAll(e.getValue());
        lastUse.remove(e.getKey());
        eldest.remove();
      }
      while (!ready.isEmpty()) {
        SandboxRunner.Parked p = ready.pollFirst();
        if (p.process().isAlive()) {
          found = p;
          break;
        }
        dead.add(p); // bubblewrap failed to set up, or something killed it
      }
    }
    if (!dead.isEmpty() || !evicted.isEmpty()) {
      try {
        warmer.execute(
            () -> {
              dead.forEach(this::discard);
              evicted.forEach(this::discard);
            });
      } catch (java.util.concurrent.RejectedExecutionException closing) {
        dead.forEach(this::discard);
        evicted.forEach(this::discard);
      }
    }
    return Optional.ofNullable(found);
  }

  /**
   * Writes the submission's files (same names as the shape's) and stdin into a claimed sandbox's
   * placeholders, runs it and deletes its directory.
   */
  ExecResult run(
      SandboxRunner.Parked p, Shape shape, Path box, byte[] stdin, SandboxPolicy policy) {
    try {
      try {
        for (String name : shape.files()) { // the placeholders were made from these names
          copyInto(box.resolve(name), p.box().resolve(name));
        }
        if (stdin != null && stdin.length > 0) {
          Files.write(p.stdin(), stdin, StandardOpenOption.TRUNCATE_EXISTING);
        }
      } catch (IOException e) {
        runner.discard(p);
        return ExecResult.sandboxError("cannot fill a parked sandbox: " + e, Duration.ZERO);
      }
      return runner.go(p, policy);
    } finally {
      dirs.delete(p.dir());
    }
  }

  /** Parks sandboxes of {@code shape} in the background until it has {@code spares}. */
  void replenish(Shape shape) {
    if (spares == 0) {
      return;
    }
    try {
      warmer.execute(() -> fill(shape));
    } catch (java.util.concurrent.RejectedExecutionException closing) {
      // the pool is closing
    }
  }

  /**
   * Gives back one parked sandbox's uid, the least recently used shape's first; false when none is
   * parked. Called by a run that found no free uid.
   */
  boolean surrender() {
    SandboxRunner.Parked victim = null;
    synchronized (parked) {
      for (Deque<SandboxRunner.Parked> ready : parked.values()) {
        if (!ready.isEmpty()) {
          victim = ready.pollFirst();
          break;
        }
      }
    }
    if (victim == null) {
      return false;
    }
    discard(victim);
    return true;
  }

  /** How many sandboxes are parked now, by shape. */
  Map<Shape, Integer> parkedCounts() {
    synchronized (parked) {
      Map<Shape, Integer> counts = new LinkedHashMap<>();
      parked.forEach((shape, ready) -> counts.put(shape, ready.size()));
      return counts;
    }
  }

  /**
   * The pids of parked sandboxes (bubblewrap and its waiting child), after every refill asked for
   * so far has run.
   */
  Set<Long> parkedPids() {
    return onWarmer(
        () -> {
          synchronized (parked) {
            return parked.values().stream()
                .flatMap(Deque::stream)
                .flatMap(
                    p ->
                        java.util.stream.Stream.concat(
                            java.util.stream.Stream.of(p.process().pid()),
                            p.process().descendants().map(ProcessHandle::pid)))
                .collect(Collectors.toSet());
          }
        });
  }

  /**
   * Kills every parked sandbox and forgets every shape, after the refills asked for so far; runs
   * afterwards warm their shapes again.
   */
  void coolDown() {
    onWarmer(
        () -> {
          List<SandboxRunner.Parked> all;
          synchronized (parked) {
            all = parked.values().stream().flatMap(Deque::stream).toList();
            parked.clear();
            lastUse.clear();
            runs.clear();
          }
          all.forEach(this::discard);
          return null;
        });
  }

  private void fill(Shape shape) {
    while (true) {
      synchronized (parked) {
        Deque<SandboxRunner.Parked> ready = parked.get(shape);
        if (closed || ready == null || ready.size() >= spares) {
          return;
        }
      }
      SandboxRunner.Parked p;
      Path dir;
      try {
        dir = dirs.create();
      } catch (IOException | IllegalStateException e) {
        return; // closing, or the work root is gone: runs start cold and say why
      }
      try {
        p =
            runner.park(
                dir,
                shape.files(),
                shape.command(),
                shape.limits().policy(),
                shape.env(),
                shape.extraReadOnlyPaths());
      } catch (IOException | RuntimeException e) {
        dirs.delete(dir);
        log.warn("cannot park a sandbox, runs start cold: {}", e.toString());
        return;
      }
      if (p == null) {
        dirs.delete(dir); // every uid is busy: runs come first
        return;
      }
      boolean kept;
      synchronized (parked) {
        Deque<SandboxRunner.Parked> ready = parked.get(shape);
        kept = !closed && ready != null;
        if (kept) {
          ready.addLast(p);
        }
      }
      if (!kept) {
        discard(p);
        return;
      }
    }
  }

  private void letIdleShapesGo() {
    long now = System.nanoTime();
    List<SandboxRunner.Parked> idle = new ArrayList<>();
    synchronized (parked) {
      Iterator<Map.Entry<Shape, Long>> it = lastUse.entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<Shape, Long> e = it.next();
        if (now - e.getValue() > IDLE.toNanos()) {
          Deque<SandboxRunner.Parked> ready = parked.remove(e.getKey());
          if (ready != null) {
            idle.addAll(ready);
          }
          runs.remove(e.getKey());
          it.remove();
        }
      }
    }
    idle.forEach(this::discard);
  }

  private void discard(SandboxRunner.Parked p) {
    try {
      runner.discard(p);
    } finally {
      dirs.delete(p.dir());
    }
  }

  private <T> T onWarmer(java.util.concurrent.Callable<T> task) {
    try {
      return warmer.submit(task).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  /** Overwrites {@code target}'s content in place: the sandbox has its inode bound. */
  private static void copyInto(Path source, Path target) throws IOException {
    try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
        FileChannel out =
            FileChannel.open(
                target,
                StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING,
                LinkOption.NOFOLLOW_LINKS)) {
      long size = in.size();
      long done = 0;
      while (done < size) {
        done += in.transferTo(done, size - done, out);
      }
    }
  }

  /** Kills every parked sandbox; runs after this start cold. */
  @Override
  public void close() {
    List<SandboxRunner.Parked> all;
    synchronized (parked) {
      closed = true;
      all = parked.values().stream().flatMap(Deque::stream).toList();
      parked.clear();
      lastUse.clear();
    }
    warmer.shutdownNow();
    try {
      warmer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    all.forEach(this::discard);
  }
}
