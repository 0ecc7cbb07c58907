package dev.grpo.reward.sandbox.seccomp;

/** The seccomp filter cannot be built here, so no untrusted program may run. */
public final class SeccompUnavailableException extends RuntimeException {
  public SeccompUnavailableException(String message) {
    super(message);
  }
}
