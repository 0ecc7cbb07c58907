package dev.grpo.trainer.step;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The trainer process's resident memory from Linux's {@code /proc/self/status}: the peak since the
 * last {@link #resetPeak} ({@code VmHWM}; writing 5 to {@code /proc/self/clear_refs} resets it), so
 * a step's peak covers its forward and backward passes, JVM heap and libtorch alike. NaN where
 * there is no procfs; where the peak cannot be reset it is the process's peak so far.
 */
final class ProcessMemory {

  private static final Path STATUS = Path.of("/proc/self/status");
  private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

  private ProcessMemory() {}

  /** Starts a new peak window; false when the kernel does not allow it. */
  static boolean resetPeak() {
    try {
      Files.writeString(CLEAR_REFS, "5", StandardCharsets.US_ASCII);
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** Resident bytes now (VmRSS), NaN without procfs. */
  static double currentBytes() {
    return field("VmRSS:");
  }

  /** Peak resident bytes since the last reset (VmHWM), NaN without procfs. */
  static double peakBytes() {
    return field("VmHWM:");
  }

  private static double field(String name) {
    try {
      for (String line : Files.readAllLines(STATUS, StandardCharsets.US_ASCII)) {
        if (line.startsWith(name)) {
          String[] parts = line.substring(name.length()).trim().split("\\s+");
          return Double.parseDouble(parts[0]) * 1024; // kB
        }
      }
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
    return Double.NaN;
  }
}
