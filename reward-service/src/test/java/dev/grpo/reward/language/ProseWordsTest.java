package dev.grpo.reward.language;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProseWordsTest {

  @Test
  void dropsNumbersIdentifiersAndOneLetterWordsAndKeepsApostrophes() {
    List<String> words =
        ProseWords.of("Let's take x2, 3rd, my_var, H2O, a cat and l’équation; 12 cm.").stream()
            .map(ProseWords.Word::text)
            .toList();

    assertThat(words).containsExactly("let's", "take", "cat", "and", "l'équation", "cm");
  }

  @Test
  void splitsScriptsAndCountsSentences() {
    List<ProseWords.Word> words = ProseWords.of("Python语言。Дальше");

    assertThat(words)
        .extracting(ProseWords.Word::text)
        .containsExactly("python", "语", "言", "дальше");
    assertThat(words).extracting(ProseWords.Word::sentence).containsExactly(0, 0, 0, 1);
  }

  @Test
  void proseRemovesMathCodeAndCommands() {
    String prose =
        ChainOfThought.prose(
            "a $x$ b $$y$$ c \\(z\\) d \\[w\\] e `v` f \\begin{align}u\\end{align} g \\frac h"
                + " ```\ncode\n``` i https://x.org/p j \\$5");

    assertThat(prose.replaceAll("\\s+", " ").strip()).isEqualTo("a b c d e f g h i j \\$5");
  }
}
