package dev.grpo.reward.math;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifyAnswersCommandTest {

  @TempDir Path dir;

  private String run(Path file, int expectedExit) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    MathVerifier patient =
        new MathVerifier(
            VerifierOptions.defaults().withTimeBudget(java.time.Duration.ofSeconds(10)));
    int exit =
        VerifyAnswersCommand.run(
            file, new PrintStream(bytes, true, StandardCharsets.UTF_8), patient);
    assertThat(exit).isEqualTo(expectedExit);
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void printsOneVerdictPerRow() throws IOException {
    Path tsv = dir.resolve("answers.tsv");
    Files.writeString(
        tsv,
        String.join(
            "\n",
            "id\tgold\tprediction",
            "a\t\\\\frac{1}{2}\tso it is $0.5$",
            "b\t\\\\frac{1}{2004!}\t$\\\\frac{1}{2006!}$",
            "c\t\\\\unknown{?}\t$3$",
            "d\t3\tline one\\nThe final answer is $\\\\boxed{3}$.",
            "e\t[1,2)\t\\\\boxed{[1,2]}",
            ""),
        StandardCharsets.UTF_8);
    assertThat(run(tsv, 0).lines())
        .containsExactly("1\t1\tOK", "2\t0\tOK", "3\t0\tNOT_APPLICABLE", "4\t1\tOK", "5\t0\tOK");
  }

  @Test
  void missingColumnsAreAnError() throws IOException {
    Path tsv = dir.resolve("bad.tsv");
    Files.writeString(tsv, "answer\tguess\n1\t1\n", StandardCharsets.UTF_8);
    assertThat(run(tsv, 2)).startsWith("error\t");
  }

  @Test
  void publicEntryPointUsesDefaultOptions() throws IOException {
    Path tsv = dir.resolve("one.tsv");
    Files.writeString(tsv, "gold\tprediction\n2\t$\\boxed{2}$\n", StandardCharsets.UTF_8);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    assertThat(VerifyAnswersCommand.run(tsv, new PrintStream(bytes, true, StandardCharsets.UTF_8)))
        .isZero();
    assertThat(bytes.toString(StandardCharsets.UTF_8).lines()).containsExactly("1\t1\tOK");
  }

  @Test
  void unreadableFileIsAnError() {
    assertThat(run(dir.resolve("absent.tsv"), 2)).startsWith("error\t");
  }
}
