package dev.grpo.trainer.step;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.trainer.train.RolloutBatch;
import dev.grpo.trainer.train.SftExample;
import java.util.List;
import org.junit.jupiter.api.Test;

class ComputeTallyTest {

  /** Two prompts of 3 and 5 tokens, two completions each of 2, 4 and 1, 6 tokens. */
  private static final RolloutBatch BATCH =
      new RolloutBatch(
          List.of(new int[3], new int[5]),
          2,
          List.of(new int[2], new int[4], new int[1], new int[6]),
          null,
          new double[4],
          new boolean[4]);

  // sequences: 3+2, 3+4, 5+1, 5+6 = 5 + 7 + 6 + 11 = 29 tokens
  private static final long SEQUENCE_TOKENS = 29;

  @Test
  void aGrpoStepSamplesAndTrainsEverySequenceOnce() {
    ComputeTally t = ComputeTally.ofGrpoStep(BATCH, 1, false);
    assertThat(t).isEqualTo(new ComputeTally(SEQUENCE_TOKENS, 0, SEQUENCE_TOKENS));
    assertThat(t.tokenPasses()).isEqualTo(3 * 29 + 29);
  }

  @Test
  void muIterationsTrainAgainAndAReferenceAndTheOldLogProbsAddAForwardPassEach() {
    assertThat(ComputeTally.ofGrpoStep(BATCH, 2, true))
        .isEqualTo(new ComputeTally(2 * SEQUENCE_TOKENS, 2 * SEQUENCE_TOKENS, SEQUENCE_TOKENS));
    assertThat(ComputeTally.ofGrpoStep(BATCH, 1, true).tokenPasses()).isEqualTo(3 * 29 + 29 + 29);
  }

  @Test
  void sftCountsPromptAndCompletionForwardAndBackwardAndSamplesNothing() {
    List<SftExample> batch =
        List.of(new SftExample(new int[4], new int[7]), new SftExample(new int[2], new int[3]));
    ComputeTally t = ComputeTally.ofSft(batch).plus(ComputeTally.ofSft(batch));
    assertThat(t).isEqualTo(new ComputeTally(2 * 16, 0, 0));
    assertThat(t.tokenPasses()).isEqualTo(96);
  }
}
