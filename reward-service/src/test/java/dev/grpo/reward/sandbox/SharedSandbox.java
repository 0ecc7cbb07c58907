package dev.grpo.reward.sandbox;

import dev.grpo.reward.runcode.SandboxFusionFacade;
import java.nio.file.Path;

/** One sandbox per test JVM, with its own work root and uid range. */
public final class SharedSandbox {

  public static final Path WORK_ROOT = Path.of("/dev/shm/grpo-sandbox-it");
  static final int UID_BASE = 63000;
  static final int UID_COUNT = 16;

  private static CodeSandbox sandbox;

  private SharedSandbox() {}

  public static synchronized CodeSandbox get() {
    if (sandbox == null) {
      sandbox =
          CodeSandbox.start(
              SandboxConfig.defaults().withWorkRoot(WORK_ROOT).withUids(UID_BASE, UID_COUNT));
    }
    return sandbox;
  }

  public static SandboxFusionFacade facade() {
    return new SandboxFusionFacade(get(), new SandboxExecutor(2, 64));
  }
}
