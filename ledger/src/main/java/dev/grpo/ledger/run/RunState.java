package dev.grpo.ledger.run;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of a run. A user moves a run with {@link RunCommand}s; the orchestrator moves it between
 * {@code QUEUED}, {@code RUNNING} and the terminal states.
 */
public enum RunState {
  QUEUED,
  RUNNING,
  PAUSED,
  SUCCEEDED,
  FAILED,
  CANCELLED;

  public boolean isTerminal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED;
  }

  /** What a user may ask of a run. */
  public enum RunCommand {
    PAUSE(EnumSet.of(QUEUED, RUNNING), PAUSED),
    RESUME(EnumSet.of(PAUSED), QUEUED),
    CANCEL(EnumSet.of(QUEUED, RUNNING, PAUSED), CANCELLED);

    private final Set<RunState> from;
    private final RunState to;

    RunCommand(Set<RunState> from, RunState to) {
      this.from = from;
      this.to = to;
    }

    /** The state the command leads to. */
    public RunState target() {
      return to;
    }

    /**
     * Whether the command may be applied in {@code state}. Repeating a command whose target is the
     * current state is allowed (an idempotent retry), so a second cancel of a cancelled run is fine
     * while resuming a cancelled run is not.
     */
    public boolean allowedFrom(RunState state) {
      return from.contains(state) || state == to;
    }
  }
}
