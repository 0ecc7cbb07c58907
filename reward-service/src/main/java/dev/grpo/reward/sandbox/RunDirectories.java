package dev.grpo.reward.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The private run directories of one sandbox under its work root: made, tracked until deleted, and
 * deleted on every path. A run normally deletes its own directory when it ends; one that never ends
 * on its thread (a JVM that exits or a sandbox that closes while runs are in flight, their daemon
 * workers abandoned) is deleted by {@link #deleteAll} at close or at JVM shutdown; one left by a
 * JVM that was killed outright carries that JVM's pid in its name ({@code run-<pid>-<hex>}) and is
 * deleted by {@link #sweepDead} when the next sandbox starts on the same work root.
 */
final class RunDirectories {

  static final String PREFIX = "run-";

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final long OWN_PID = ProcessHandle.current().pid();

  private final Path workRoot;
  private final Set<Path> live = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  RunDirectories(Path workRoot) {
    this.workRoot = workRoot;
  }

  /** A new private directory with a {@code box} inside, tracked until {@link #delete}. */
  Path create() throws IOException {
    Path dir = workRoot.resolve(PREFIX + OWN_PID + "-" + HexFormat.of().formatHex(randomBytes(8)));
    live.add(dir);
    if (closed) {
      live.remove(dir);
      throw new IllegalStateException("the sandbox is closed");
    }
    Path box = dir.resolve("box");
    Files.createDirectories(box);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
    Files.setPosixFilePermissions(box, PosixFilePermissions.fromString("rwxr-xr-x"));
    if (closed) { // closed while we made it: deleteAll may have run before it existed
      delete(dir);
      throw new IllegalStateException("the sandbox is closed");
    }
    return dir;
  }

  /**
   * Deletes a run's directory and stops tracking it; one that cannot be deleted yet (a killed
   * compiler still writing into it) stays tracked, so {@link #deleteAll} tries again.
   */
  void delete(Path dir) {
    deleteTree(dir);
    live.remove(dir);
  }

  /** The directories made here and not deleted yet. */
  Set<Path> live() {
    return Set.copyOf(live);
  }

  /**
   * Refuses new directories and deletes every tracked one; call it once the runs' processes are
   * dead. Returns how many were deleted.
   */
  int deleteAll() {
    closed = true;
    int deleted = 0;
    for (Path dir : List.copyOf(live)) {
      try {
        delete(dir);
        deleted++;
      } catch (UncheckedIOException stillInUse) {
        // a run still writing into it; its own thread deletes it when the run ends
      }
    }
    return deleted;
  }

  /**
   * Deletes the run directories under {@code workRoot} whose owning JVM is gone. Directories of a
   * live process, and names without an owner pid, are left alone: another service on this host may
   * share the work root.
   *
   * @return how many were deleted
   */
  static int sweepDead(Path workRoot) throws IOException {
    if (!Files.isDirectory(workRoot)) {
      return 0;
    }
    int deleted = 0;
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(workRoot, PREFIX + "*")) {
      for (Path dir : dirs) {
        Optional<Long> owner = ownerPid(dir.getFileName().toString());
        if (owner.isPresent() && ProcessHandle.of(owner.get()).isEmpty()) {
          deleteTree(dir);
          deleted++;
        }
      }
    }
    return deleted;
  }

  /** The pid in {@code run-<pid>-<hex>}, empty for any other name. */
  static Optional<Long> ownerPid(String name) {
    if (!name.startsWith(PREFIX)) {
      return Optional.empty();
    }
    String rest = name.substring(PREFIX.length());
    int dash = rest.indexOf('-');
    if (dash <= 0 || !rest.substring(0, dash).chars().allMatch(Character::isDigit)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Long.parseLong(rest.substring(0, dash)));
    } catch (NumberFormatException tooLong) {
      return Optional.empty();
    }
  }

  static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
              Files.deleteIfExists(d);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root, e);
    }
  }
}
