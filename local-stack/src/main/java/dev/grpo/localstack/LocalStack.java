package dev.grpo.localstack;

/** Starts embedded PostgreSQL and the three services on one machine. */
public final class LocalStack {

  private LocalStack() {}

  public static void main(String[] args) {
    throw new UnsupportedOperationException("not yet");
  }
}
