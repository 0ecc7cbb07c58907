package dev.grpo.reward.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifyAnswersCliTest {

  @TempDir Path dir;

  @Test
  void verifyAnswersPrintsOneVerdictPerRow() throws Exception {
    Path tsv = dir.resolve("pairs.tsv");
    Files.writeString(
        tsv,
        "gold\tprediction\n"
            + "\\\\frac{1}{2}\t0.5\n"
            + "\\\\frac{1}{2004!}\t\\\\frac{1}{2006!}\n"
            + "\\\\text{no math at all}\\\\\\\\\\\\\\\\\t3\n");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int status =
        RewardCli.run(
            new String[] {"verify-answers", tsv.toString()},
            new PrintStream(out, true, StandardCharsets.UTF_8),
            System.err);
    assertThat(status).isZero();
    String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
    assertThat(lines).hasSize(3);
    assertThat(lines[0]).isEqualTo("1\t1\tOK");
    assertThat(lines[1]).isEqualTo("2\t0\tOK");
    assertThat(lines[2]).startsWith("3\t0\t");
  }

  @Test
  void aMissingFileIsAUsageError() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int status =
        RewardCli.run(
            new String[] {"verify-answers", dir.resolve("nope.tsv").toString()},
            new PrintStream(out, true, StandardCharsets.UTF_8),
            System.err);
    assertThat(status).isEqualTo(2);
  }
}
