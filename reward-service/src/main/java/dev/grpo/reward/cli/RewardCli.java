package dev.grpo.reward.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The offline commands of the reward service jar, dispatched from {@code main} before Spring
 * starts: {@code java -jar reward-service.jar <command> ARGS}. Add a command by adding it to {@link
 * #COMMANDS} (e.g. {@code verify-answers FILE.tsv} for the math verifier).
 */
public final class RewardCli {

  /** The commands by name. */
  static final Map<String, Command> COMMANDS = commands();

  private RewardCli() {}

  private static Map<String, Command> commands() {
    Map<String, Command> commands = new LinkedHashMap<>();
    commands.put("score-jsonl", new ScoreJsonlCommand());
    commands.put("verify-answers", new VerifyAnswers());
    return Map.copyOf(commands);
  }

  /** Whether the first argument names an offline command rather than Spring arguments. */
  public static boolean isCommand(String[] args) {
    return args.length > 0 && (COMMANDS.containsKey(args[0]) || args[0].equals("help"));
  }

  /** Runs the command named by {@code args[0]} and returns its exit status. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    Command command = args.length == 0 ? null : COMMANDS.get(args[0]);
    if (command == null) {
      err.println("usage: java -jar reward-service.jar <command> ...");
      COMMANDS.values().forEach(c -> err.println("  " + c.usage()));
      err.println("without a command, the jar starts the reward service");
      return args.length > 0 && args[0].equals("help") ? 0 : 2;
    }
    return command.run(List.copyOf(Arrays.asList(args).subList(1, args.length)), out, err);
  }
}
