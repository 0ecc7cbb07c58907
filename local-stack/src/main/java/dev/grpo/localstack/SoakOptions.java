package dev.grpo.localstack;

import java.time.Duration;
import java.util.List;

/** {@code grpo soak [--minutes N] [--clients N]}: 30 minutes from 8 clients by default. */
record SoakOptions(Duration duration, int clients) {

  /** The options, or null when they are not understood. */
  static SoakOptions parse(List<String> args) {
    Duration duration = Duration.ofMinutes(30);
    int clients = 8;
    for (int i = 0; i < args.size(); i += 2) {
      if (i + 1 >= args.size()) {
        return null;
      }
      int value;
      try {
        value = Integer.parseInt(args.get(i + 1));
      } catch (NumberFormatException e) {
        return null;
      }
      if (value < 1 || value > 10_000) {
        return null;
      }
      switch (args.get(i)) {
        case "--minutes" -> duration = Duration.ofMinutes(value);
        case "--clients" -> clients = value;
        default -> {
          return null;
        }
      }
    }
    return new SoakOptions(duration, clients);
  }
}
