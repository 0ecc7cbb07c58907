package dev.grpo.reward.cli;

import java.io.PrintStream;
import java.util.List;

/** One offline command of the reward service jar: plain Java, no Spring, no database. */
public interface Command {

  /** One line for the usage text, e.g. {@code score-jsonl --rules a,b FILE.jsonl}. */
  String usage();

  /**
   * Runs the command.
   *
   * @param args the arguments after the command name
   * @return the process exit status: 0 done, 1 the input could not be processed, 2 a usage error
   */
  int run(List<String> args, PrintStream out, PrintStream err);
}
