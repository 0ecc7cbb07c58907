package dev.grpo.policy.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CharTokenizerTest {

  private final CharTokenizer tokenizer = new CharTokenizer();

  @TempDir Path dir;

  @Test
  void vocabularyIsFixed() {
    assertThat(tokenizer.vocabSize()).isEqualTo(104);
    assertThat(tokenizer.tokens().subList(0, 10))
        .containsExactly(
            "<pad>",
            "<bos>",
            "<eos>",
            "<unk>",
            "<think>",
            "</think>",
            "<answer>",
            "</answer>",
            "\n",
            " ");
    assertThat(tokenizer.padId()).isZero();
    assertThat(tokenizer.bosId()).isEqualTo(1);
    assertThat(tokenizer.eosId()).isEqualTo(2);
    assertThat(tokenizer.encode("0")).containsExactly(tokenizer.tokens().indexOf("0"));
  }

  @Test
  void tagsAreSingleTokensAndTextRoundTrips() {
    String text = "<think>12 + 30 = 42\nso: x=42!</think><answer>42</answer>";
    int[] ids = tokenizer.encode(text);
    assertThat(ids[0]).isEqualTo(CharTokenizer.THINK);
    assertThat(ids[ids.length - 1]).isEqualTo(CharTokenizer.END_ANSWER);
    assertThat(ids).contains(CharTokenizer.END_THINK, CharTokenizer.ANSWER);
    assertThat(ids)
        .hasSize(
            text.length()
                - "<think>".length()
                - "</think>".length()
                - "<answer>".length()
                - "</answer>".length()
                + 4);
    assertThat(tokenizer.decode(ids)).isEqualTo(text);
    assertThat(tokenizer.encode("<thinking>")).hasSize(10);
  }

  @Test
  void unknownCharactersBecomeUnkAndSpecialTokensAreNotDecoded() {
    int[] ids = tokenizer.encode("é\t😀a");
    assertThat(ids).containsExactly(3, 3, 3, tokenizer.tokens().indexOf("a"));
    assertThat(tokenizer.decode(new int[] {1, 40, 2, 0, 0})).isEqualTo(tokenizer.tokens().get(40));
    assertThat(tokenizer.encode("a<eos>")).endsWith(CharTokenizer.EOS);
  }

  @Test
  void djlHuggingFaceTokenizerLoadsTheJsonWithTheSameIds() {
    Path file = dir.resolve("tokenizer.json");
    tokenizer.writeTokenizerJson(file);
    List<String> texts =
        List.of(
            "Question: what is 7*6?\n<think>7*6 = 42</think>\n<answer>42</answer><eos>",
            "  leading and trailing spaces  ",
            "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ <think <answer>x</answer >",
            "unknown é and 😀 and tab\there",
            "x".repeat(3000));
    try (HfTokenizer hf = HfTokenizer.load(file)) {
      assertThat(hf.vocabSize()).isEqualTo(104);
      assertThat(hf.eosId()).isEqualTo(2);
      assertThat(hf.padId()).isEqualTo(0);
      assertThat(hf.bosId()).isEqualTo(1);
      for (String text : texts) {
        int[] expected = tokenizer.encode(text);
        assertThat(hf.encode(text)).as(text).containsExactly(expected);
        assertThat(hf.decode(expected)).as(text).isEqualTo(tokenizer.decode(expected));
      }
    }
  }
}
