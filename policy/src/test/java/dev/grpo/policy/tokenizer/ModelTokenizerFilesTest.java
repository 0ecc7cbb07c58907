package dev.grpo.policy.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How {@link ModelTokenizer} reads the config files of a model folder (a tiny BPE vocabulary). */
class ModelTokenizerFilesTest {

  private static final String BPE =
      """
      {"version":"1.0","truncation":null,"padding":null,
       "added_tokens":[
        {"id":0,"content":"<|endoftext|>","single_word":false,"lstrip":false,"rstrip":false,
         "normalized":false,"special":true},
        {"id":1,"content":"<|im_start|>","single_word":false,"lstrip":false,"rstrip":false,
         "normalized":false,"special":true},
        {"id":2,"content":"<|im_end|>","single_word":false,"lstrip":false,"rstrip":false,
         "normalized":false,"special":true},
        {"id":3,"content":"<s>","single_word":false,"lstrip":false,"rstrip":false,
         "normalized":false,"special":true}],
       "normalizer":null,"pre_tokenizer":{"type":"Whitespace"},"post_processor":null,"decoder":null,
       "model":{"type":"BPE","dropout":null,"unk_token":null,"continuing_subword_prefix":null,
         "end_of_word_suffix":null,"fuse_unk":false,"byte_fallback":false,
         "vocab":{"<|endoftext|>":0,"<|im_start|>":1,"<|im_end|>":2,"<s>":3,"l":4,"o":5,"w":6,
           "lo":7,"low":8},
         "merges":["l o","lo w"]}}
      """;

  @TempDir Path dir;

  @BeforeEach
  void writeTokenizer() throws Exception {
    Files.writeString(dir.resolve("tokenizer.json"), BPE);
  }

  @Test
  void withoutConfigFilesFindsTokensByCommonNamesAndStopsOnEndTokens() {
    try (ModelTokenizer tokenizer = ModelTokenizer.load(dir)) {
      assertThat(tokenizer.specialTokens())
          .isEqualTo(new SpecialTokens("<s>", "<|endoftext|>", null, null, List.of()));
      assertThat(tokenizer.padId()).as("no pad token: the eos id").isZero();
      assertThat(tokenizer.stopTokenIds()).containsExactly(0, 2);
      assertThat(tokenizer.chatTemplate()).isEmpty();
      assertThat(tokenizer.encode("low low")).containsExactly(8, 8);
    }
  }

  @Test
  void tokenizerConfigWinsAndItsNullMeansNone() throws Exception {
    Files.writeString(
        dir.resolve("tokenizer_config.json"),
        """
        {"bos_token": null, "eos_token": {"content": "<|im_end|>"}, "pad_token": "<|endoftext|>",
         "additional_special_tokens": ["<|im_start|>"],
         "chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}]}
        """);
    Files.writeString(dir.resolve("config.json"), "{\"bos_token_id\": 3, \"eos_token_id\": 0}");
    try (ModelTokenizer tokenizer = ModelTokenizer.load(dir)) {
      assertThat(tokenizer.specialTokens())
          .isEqualTo(
              new SpecialTokens(
                  null, "<|im_end|>", "<|endoftext|>", null, List.of("<|im_start|>")));
      assertThat(tokenizer.bosId()).isEqualTo(-1);
      assertThat(tokenizer.eosId()).isEqualTo(2);
      assertThat(tokenizer.chatTemplate()).contains("D");
    }
  }

  @Test
  void configJsonAndGenerationConfigGiveIdsAndStops() throws Exception {
    Files.writeString(
        dir.resolve("config.json"),
        "{\"bos_token_id\": 1, \"eos_token_id\": 2, \"pad_token_id\": 0}");
    Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [2, 3]}");
    Files.writeString(dir.resolve("chat_template.jinja"), "{{ messages[0].content }}\n");
    try (ModelTokenizer tokenizer = ModelTokenizer.load(dir)) {
      assertThat(tokenizer.bosId()).isEqualTo(1);
      assertThat(tokenizer.eosId()).isEqualTo(2);
      assertThat(tokenizer.padId()).isZero();
      assertThat(tokenizer.stopTokenIds()).containsExactly(2, 3, 0);
      assertThat(tokenizer.isStopToken(3)).isTrue();
      assertThat(tokenizer.isStopToken(1)).isFalse();
      assertThat(tokenizer.chatTemplate()).contains("{{ messages[0].content }}\n");
    }
  }

  @Test
  void rejectsAMissingTokenizerOrAnUnknownConfiguredToken() throws Exception {
    Path empty = Files.createDirectory(dir.resolve("empty"));
    assertThatThrownBy(() -> ModelTokenizer.load(empty))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("no tokenizer.json in " + empty);
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\"}");
    assertThatThrownBy(() -> ModelTokenizer.load(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("eos_token </s> is not in the vocabulary");
    Files.writeString(dir.resolve("tokenizer_config.json"), "[1, 2]");
    assertThatThrownBy(() -> ModelTokenizer.load(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tokenizer_config.json is not a JSON object");
  }
}
