package dev.grpo.reward.openrlhf;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CompletionTextTest {

  private static final List<String> SUFFIXES = List.of("<|im_end|>", "<|endoftext|>");

  @Test
  void thePromptPrefixAndTrailingSpecialTokensAreCut() {
    assertThat(CompletionText.of("Q: 1+1?\nA: 2<|im_end|><|endoftext|>", "Q: 1+1?\n", SUFFIXES))
        .isEqualTo(new CompletionText("A: 2", true));
  }

  @Test
  void aPromptAfterADecodedBosTokenIsFoundToo() {
    assertThat(CompletionText.of("<s>Q?answer", "Q?", SUFFIXES))
        .isEqualTo(new CompletionText("answer", true));
  }

  @Test
  void aPromptNotInTheQueryLeavesTheWholeQueryAndSaysSo() {
    assertThat(CompletionText.of("something else", "Q?", SUFFIXES))
        .isEqualTo(new CompletionText("something else", false));
    assertThat(CompletionText.of("all of it", null, SUFFIXES))
        .isEqualTo(new CompletionText("all of it", true));
  }
}
