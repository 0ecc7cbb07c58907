package dev.grpo.reward.cli;

import dev.grpo.reward.math.VerifyAnswersCommand;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** {@code verify-answers FILE.tsv}: the math verifier over a TSV of gold/prediction pairs. */
final class VerifyAnswers implements Command {

  @Override
  public String usage() {
    return "verify-answers FILE.tsv   (header with gold and prediction columns, escaped as in the"
        + " conformance table; prints row<TAB>1|0<TAB>STATUS)";
  }

  @Override
  public int run(List<String> args, PrintStream out, PrintStream err) {
    if (args.size() != 1) {
      err.println("usage: " + usage());
      return 2;
    }
    return VerifyAnswersCommand.run(Path.of(args.get(0)), out);
  }
}
