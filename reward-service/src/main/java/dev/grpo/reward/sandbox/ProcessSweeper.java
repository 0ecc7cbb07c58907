package dev.grpo.reward.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/** Finds and kills host processes by real uid, reading /proc. */
final class ProcessSweeper {

  private static final Path PROC = Path.of("/proc");

  private ProcessSweeper() {}

  /** Pids of live (non-zombie) processes whose real uid satisfies the predicate. */
  static List<Long> pidsWithUid(java.util.function.IntPredicate uidMatches) {
    List<Long> pids = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC, "[0-9]*")) {
      for (Path dir : dirs) {
        OptionalInt uid = realUid(dir);
        if (uid.isPresent() && uidMatches.test(uid.getAsInt())) {
          pids.add(Long.parseLong(dir.getFileName().toString()));
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot scan /proc", e);
    }
    return pids;
  }

  /** Real uid of /proc/PID, empty if the process is gone. */
  static OptionalInt realUid(Path procDir) {
    try {
      for (String line : Files.readAllLines(procDir.resolve("status"), StandardCharsets.UTF_8)) {
        if (line.startsWith("State:") && line.contains("Z (zombie)")) {
          return OptionalInt.empty(); // holds no resources but its pid; its parent reaps it
        }
        if (line.startsWith("Uid:")) {
          String[] parts = line.substring(4).trim().split("\\s+");
          return OptionalInt.of(Integer.parseInt(parts[0]));
        }
      }
    } catch (IOException | RuntimeException e) {
      // process exited while we looked
    }
    return OptionalInt.empty();
  }

  /** The uid the current JVM runs as (effective). */
  static int effectiveUid() {
    try {
      for (String line : Files.readAllLines(PROC.resolve("self/status"))) {
        if (line.startsWith("Uid:")) {
          return Integer.parseInt(line.substring(4).trim().split("\\s+")[1]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // fall through
    }
    return -1;
  }

  /**
   * SIGKILLs every process of {@code uid} until none is left or the deadline passes.
   *
   * @return true if no process of the uid remains
   */
  static boolean killAll(int uid, long timeoutMillis) {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    while (true) {
      List<Long> pids = pidsWithUid(u -> u == uid);
      if (pids.isEmpty()) {
        return true;
      }
      for (long pid : pids) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
      if (System.nanoTime() > deadline) {
        return pidsWithUid(u -> u == uid).isEmpty();
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  /** Direct children of {@code pid}. */
  static List<Long> children(long pid) {
    List<Long> out = new ArrayList<>();
    try {
      String raw = Files.readString(PROC.resolve(pid + "/task/" + pid + "/children")).trim();
      if (!raw.isEmpty()) {
        for (String s : raw.split("\\s+")) {
          out.add(Long.parseLong(s));
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone
    }
    return out;
  }

  static String cmdline(long pid) {
    try {
      byte[] raw = Files.readAllBytes(PROC.resolve(pid + "/cmdline"));
      return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ');
    } catch (IOException e) {
      return "";
    }
  }
}
