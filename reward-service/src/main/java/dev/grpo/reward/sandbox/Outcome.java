package dev.grpo.reward.sandbox;

/** Verdict for one test case. */
public enum Outcome {
  PASSED,
  WRONG_ANSWER,
  COMPILE_ERROR,
  RUNTIME_ERROR,
  TIMEOUT,
  MEMORY_LIMIT,
  OUTPUT_LIMIT,
  /** The sandbox failed; never the model's fault, never scored. */
  SANDBOX_ERROR;

  private static final String[] MEMORY_SIGNS = {
    "MemoryError",
    "std::bad_alloc",
    "java.lang.OutOfMemoryError",
    "JavaScript heap out of memory",
    "Fatal process out of memory",
    "Cannot allocate memory",
    "memory exhausted",
  };

  /** Outcome of a run that did not pass on its own merits (i.e. anything but a clean exit). */
  public static Outcome ofFailedRun(ExecResult r) {
    return switch (r.termination()) {
      case SANDBOX_ERROR -> SANDBOX_ERROR;
      case TIMEOUT -> TIMEOUT;
      case OUTPUT_LIMIT -> OUTPUT_LIMIT;
      case EXITED -> {
        if (r.exitCode() == ExecResult.SIGXFSZ_EXIT) {
          yield OUTPUT_LIMIT;
        }
        String err = r.stderrText();
        if (err.contains("File too large")) {
          yield OUTPUT_LIMIT; // RLIMIT_FSIZE (EFBIG; SIGXFSZ is ignored by a pid-1 program)
        }
        for (String sign : MEMORY_SIGNS) {
          if (err.contains(sign)) {
            yield MEMORY_LIMIT;
          }
        }
        yield RUNTIME_ERROR;
      }
    };
  }
}
