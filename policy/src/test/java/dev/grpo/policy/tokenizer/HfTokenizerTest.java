package dev.grpo.policy.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfTokenizerTest {

  private static final String BPE =
      """
      {"version":"1.0","truncation":null,"padding":null,
       "added_tokens":[{"id":0,"content":"<|endoftext|>","single_word":false,"lstrip":false,
         "rstrip":false,"normalized":false,"special":true},
        {"id":1,"content":"<|im_end|>","single_word":false,"lstrip":false,
         "rstrip":false,"normalized":false,"special":true}],
       "normalizer":null,"pre_tokenizer":{"type":"Whitespace"},"post_processor":null,"decoder":null,
       "model":{"type":"BPE","dropout":null,"unk_token":null,"continuing_subword_prefix":null,
         "end_of_word_suffix":null,"fuse_unk":false,"byte_fallback":false,
         "vocab":{"<|endoftext|>":0,"<|im_end|>":1,"l":2,"o":3,"w":4,"e":5,"r":6,"lo":7,"low":8,
           "er":9,"lower":10},
         "merges":["l o","lo w","e r","low er"]}}
      """;

  @TempDir Path dir;

  @BeforeEach
  void write() throws Exception {
    Files.writeString(dir.resolve("tokenizer.json"), BPE);
  }

  @Test
  void encodesWithBpeAndFindsEosByCommonName() {
    try (HfTokenizer tokenizer = HfTokenizer.load(dir)) {
      assertThat(tokenizer.encode("lower low")).containsExactly(10, 8);
      assertThat(tokenizer.encode("low<|endoftext|>")).containsExactly(8, 0);
      assertThat(tokenizer.eosId()).isZero();
      assertThat(tokenizer.padId()).as("falls back to eos").isZero();
      assertThat(tokenizer.bosId()).isEqualTo(-1);
      assertThat(tokenizer.vocabSize()).isEqualTo(11);
      assertThat(tokenizer.decode(new int[] {10, 0})).isEqualTo("lower");
    }
  }

  @Test
  void readsSpecialTokensFromTokenizerConfigOrArguments() throws Exception {
    Files.writeString(
        dir.resolve("tokenizer_config.json"),
        """
        {"eos_token":{"content":"<|im_end|>"},"pad_token":"<|endoftext|>","bos_token":null}
        """);
    try (HfTokenizer tokenizer = HfTokenizer.load(dir.resolve("tokenizer.json"))) {
      assertThat(tokenizer.eosId()).isEqualTo(1);
      assertThat(tokenizer.padId()).isZero();
    }
    try (HfTokenizer tokenizer = HfTokenizer.load(dir, "<|endoftext|>", "<|im_end|>", null)) {
      assertThat(tokenizer.eosId()).isZero();
      assertThat(tokenizer.padId()).isEqualTo(1);
    }
    assertThatThrownBy(() -> HfTokenizer.load(dir, "<nope>", null, null))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
