package dev.grpo.policy.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** {@link ModelTokenizer} on the real Qwen2 and SmolLM2 tokenizer folders. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelTokenizerTest {

  private static final int QWEN2_ENDOFTEXT = 151643;
  private static final int QWEN2_IM_START = 151644;
  private static final int QWEN2_IM_END = 151645;

  @TempDir Path dir;

  private ModelTokenizer qwen2;
  private ModelTokenizer smollm2;

  /** Loads each tokenizer once; a test skips (with the path) when its folder is absent. */
  @BeforeEach
  void load() {
    if (qwen2 == null) {
      qwen2 = ModelTokenizer.load(SharedTokenizers.qwen2());
    }
    if (smollm2 == null) {
      smollm2 = ModelTokenizer.load(SharedTokenizers.smollm2());
    }
  }

  @AfterAll
  void close() {
    if (qwen2 != null) {
      qwen2.close();
    }
    if (smollm2 != null) {
      smollm2.close();
    }
  }

  @Test
  void qwen2ReadsSpecialTokensAndStopsFromItsConfigFiles() {
    assertThat(qwen2.specialTokens())
        .isEqualTo(
            new SpecialTokens(
                null, "<|im_end|>", "<|endoftext|>", null, List.of("<|im_start|>", "<|im_end|>")));
    assertThat(qwen2.eosId()).isEqualTo(QWEN2_IM_END);
    assertThat(qwen2.padId()).isEqualTo(QWEN2_ENDOFTEXT);
    assertThat(qwen2.bosId()).as("bos_token is null in tokenizer_config.json").isEqualTo(-1);
    assertThat(qwen2.stopTokenIds()).containsExactly(QWEN2_IM_END, QWEN2_ENDOFTEXT);
    assertThat(qwen2.vocabSize()).isEqualTo(151_646);
    assertThat(qwen2.chatTemplate())
        .hasValueSatisfying(t -> assertThat(t).startsWith("{% set system_message ="));
  }

  @Test
  void smollm2WithoutTokenizerConfigTakesIdsFromConfigJson() {
    assertThat(smollm2.specialTokens())
        .isEqualTo(new SpecialTokens("<|im_start|>", "<|im_end|>", "<|im_end|>", null, List.of()));
    assertThat(smollm2.bosId()).isEqualTo(1);
    assertThat(smollm2.eosId()).isEqualTo(2);
    assertThat(smollm2.padId()).isEqualTo(2);
    assertThat(smollm2.stopTokenIds()).as("<|im_end|>, then <|endoftext|>").containsExactly(2, 0);
    assertThat(smollm2.chatTemplate()).isEmpty();
    try (ModelTokenizer withConfig =
        ModelTokenizer.load(SharedTokenizers.smollm2WithTokenizerConfig(dir))) {
      assertThat(withConfig.specialTokens().unk()).isEqualTo("<|endoftext|>");
      assertThat(withConfig.chatTemplate())
          .hasValueSatisfying(t -> assertThat(t).contains("named SmolLM, trained by Hugging Face"));
      assertThat(withConfig.stopTokenIds()).containsExactly(2, 0);
    }
  }

  @Test
  void encodesToTheVocabularyIdsOfByteLevelBpe() {
    // "Hello" and "Ġworld" (a space then "world") in each tokenizer.json's vocab.
    assertThat(qwen2.encode("Hello world")).containsExactly(9707, 1879);
    assertThat(smollm2.encode("Hello world")).containsExactly(19556, 905);
    // Both split numbers into single digits: "1" is 16 in Qwen2, 33 in SmolLM2.
    assertThat(qwen2.encode("12345")).containsExactly(16, 17, 18, 19, 20);
    assertThat(smollm2.encode("12345")).containsExactly(33, 34, 35, 36, 37);
    // Special tokens in a rendered prompt are single ids, not their characters.
    int[] prompt = qwen2.encode("<|im_start|>user\nHi<|im_end|>\n");
    assertThat(prompt[0]).isEqualTo(QWEN2_IM_START);
    assertThat(prompt).containsOnlyOnce(QWEN2_IM_END).hasSize(6);
  }

  @Test
  void decodesWhatItEncodesOnMixedScripts() {
    List<String> texts =
        List.of(
            "The quick brown fox jumps over the lazy dog.",
            "勾股定理：直角三角形两条直角边的平方和等于斜边的平方。",
            "Теорема Пифагора: a² + b² = c².",
            "Emoji 🤖🧮, a family 👩‍👩‍👧, a flag 🇯🇵, and a cake 🎂!",
            "def add(a, b):\n\treturn a + b\n\n\tif x:\t# tab inside\n",
            "مرحبا بالعالم — עברית — हिन्दी — 日本語のテキスト",
            "  leading and trailing spaces  \r\nwindows line\r\n",
            "<think>\n7 + 5 = 12\n</think>\n<answer>12</answer>");
    for (String text : texts) {
      assertThat(qwen2.decode(qwen2.encode(text))).as("qwen2: %s", text).isEqualTo(text);
      assertThat(smollm2.decode(smollm2.encode(text))).as("smollm2: %s", text).isEqualTo(text);
    }
    String decomposed = "cafe\u0301";
    assertThat(qwen2.decode(qwen2.encode(decomposed)))
        .as("Qwen2's normalizer is NFC")
        .isEqualTo("caf\u00e9");
    assertThat(smollm2.decode(smollm2.encode(decomposed)))
        .as("SmolLM2 has no normalizer")
        .isEqualTo(decomposed);
  }

  @Test
  void decodesACompletionUpToItsFirstStopToken() {
    int[] answer = qwen2.encode("<answer>42</answer>");
    int[] afterStop = qwen2.encode(" ignored text");
    int[] imEnd = concat(answer, new int[] {QWEN2_IM_END, QWEN2_ENDOFTEXT}, afterStop);
    assertThat(qwen2.decodeCompletion(imEnd))
        .isEqualTo(new CompletionText("<answer>42</answer>", answer.length, QWEN2_IM_END));
    int[] endOfText = concat(answer, new int[] {QWEN2_ENDOFTEXT}, afterStop);
    assertThat(qwen2.decodeCompletion(endOfText).stopTokenId()).isEqualTo(QWEN2_ENDOFTEXT);
    int[] unfinished = concat(answer, afterStop);
    CompletionText cut = qwen2.decodeCompletion(unfinished);
    assertThat(cut.stopped()).isFalse();
    assertThat(cut.text()).isEqualTo("<answer>42</answer> ignored text");
    assertThat(cut.tokenCount()).isEqualTo(unfinished.length);
    assertThat(qwen2.decodeCompletion(new int[] {QWEN2_IM_END}))
        .isEqualTo(new CompletionText("", 0, QWEN2_IM_END));
  }

  @Test
  void leftPadsABatchWithThePaddingId() {
    int[] shortPrompt = qwen2.encode("Hi");
    int[] longPrompt = qwen2.encode("Hello world, how are you?");
    PaddedBatch batch = qwen2.leftPad(List.of(shortPrompt, longPrompt));
    int width = longPrompt.length;
    int padding = width - shortPrompt.length;
    assertThat(batch.ids()[1]).containsExactly(longPrompt);
    assertThat(batch.attentionMask()[1]).containsOnly(1).hasSize(width);
    assertThat(Arrays.copyOfRange(batch.ids()[0], 0, padding)).containsOnly(QWEN2_ENDOFTEXT);
    assertThat(Arrays.copyOfRange(batch.ids()[0], padding, width)).containsExactly(shortPrompt);
    int[] expectedMask = IntStream.range(0, width).map(i -> i < padding ? 0 : 1).toArray();
    assertThat(batch.attentionMask()[0]).containsExactly(expectedMask);
    assertThat(batch.length(0)).isEqualTo(shortPrompt.length);
  }

  @Test
  void copiedFilesLoadAsTheSameTokenizer() {
    Path model = dir.resolve("qwen2-shaped");
    assertThat(ModelTokenizer.copyFiles(SharedTokenizers.qwen2(), model))
        .containsExactly(
            "tokenizer.json",
            "tokenizer_config.json",
            "special_tokens_map.json",
            "generation_config.json");
    assertThat(model.resolve("config.json")).doesNotExist();
    try (ModelTokenizer copy = ModelTokenizer.load(model)) {
      assertThat(copy.specialTokens()).isEqualTo(qwen2.specialTokens());
      assertThat(copy.stopTokenIds()).containsExactly(qwen2.stopTokenIds());
      assertThat(copy.chatTemplate()).isEqualTo(qwen2.chatTemplate());
      assertThat(copy.encode("数学 math")).containsExactly(qwen2.encode("数学 math"));
    }
  }

  @Test
  void linkedFilesShareTheSourcesInodesOnOneDeviceAndLoadAsTheSameTokenizer() throws Exception {
    Path source = dir.resolve("source");
    ModelTokenizer.copyFiles(SharedTokenizers.qwen2(), source);
    Path version = dir.resolve("v7");
    assertThat(ModelTokenizer.linkOrCopyFiles(source, version))
        .contains("tokenizer.json", "tokenizer_config.json");
    Object sourceInode = Files.getAttribute(source.resolve("tokenizer.json"), "unix:ino");
    assertThat(Files.getAttribute(version.resolve("tokenizer.json"), "unix:ino"))
        .as("a hard link, not a second copy")
        .isEqualTo(sourceInode);
    assertThat(Files.getAttribute(source.resolve("tokenizer.json"), "unix:nlink")).isEqualTo(2);
    // placing again (a retried publish) replaces the link instead of failing on it
    ModelTokenizer.linkOrCopyFiles(source, version);
    try (ModelTokenizer linked = ModelTokenizer.load(version)) {
      assertThat(linked.encode("数学 math")).containsExactly(qwen2.encode("数学 math"));
    }
  }

  @Test
  void dropsIdsPastTheTokenizerWhenDecodingAsHuggingFaceDoes() {
    // Qwen2's embedding has 151,936 rows for 151,646 tokens: a sampled id may have no token.
    int[] hi = qwen2.encode("Hi there");
    assertThat(qwen2.decode(new int[] {hi[0], 151_900, hi[1]})).isEqualTo("Hi there");
  }

  private static int[] concat(int[]... parts) {
    return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
  }
}
