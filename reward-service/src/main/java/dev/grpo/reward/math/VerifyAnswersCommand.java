package dev.grpo.reward.math;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Offline batch check: reads a TSV with a header holding {@code gold} and {@code prediction}
 * columns (escaped like the shared conformance table) and prints {@code row<TAB>1|0<TAB>STATUS} per
 * data row, rows numbered from 1.
 */
public final class VerifyAnswersCommand {

  private VerifyAnswersCommand() {}

  /**
   * @return 0 on success, 2 when the file cannot be read or lacks the required columns
   */
  public static int run(Path tsv, PrintStream out) {
    return run(tsv, out, new MathVerifier());
  }

  static int run(Path tsv, PrintStream out, MathVerifier verifier) {
    List<Map<String, String>> rows;
    try {
      rows = EscapedTsv.read(tsv);
    } catch (IOException e) {
      out.println("error\tcannot read " + tsv + ": " + e.getMessage());
      return 2;
    }
    if (!rows.isEmpty()
        && (!rows.get(0).containsKey("gold") || !rows.get(0).containsKey("prediction"))) {
      out.println("error\tmissing gold or prediction column");
      return 2;
    }
    int n = 0;
    for (Map<String, String> row : rows) {
      n++;
      VerificationResult r = verifier.verify(row.get("gold"), row.get("prediction"));
      out.println(n + "\t" + (r.correct() ? 1 : 0) + "\t" + r.status());
    }
    return 0;
  }

  public static void main(String[] args) {
    if (args.length != 1) {
      System.err.println("usage: VerifyAnswersCommand <file.tsv>");
      System.exit(2);
    }
    System.exit(run(Path.of(args[0]), System.out));
  }
}
