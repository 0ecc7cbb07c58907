package dev.grpo.policy.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.grpo.policy.tokenizer.CharTokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SamplerTest {

  private static DecoderModel model;

  @BeforeAll
  static void load() {
    model = DecoderModel.load(Path.of("src/test/resources/parity/llama_gqa"), Device.cpu());
  }

  @AfterAll
  static void close() {
    model.close();
  }

  /** Greedy decoding by re-running the full forward pass on the growing sequence, no cache. */
  private static int[] greedyWithoutCache(int[] prompt, int steps) {
    int[] seq = Arrays.copyOf(prompt, prompt.length);
    int vocab = model.config().vocabSize();
    for (int s = 0; s < steps; s++) {
      try (NDManager scope = NDManager.newBaseManager(Device.cpu())) {
        long[] ids = Arrays.stream(seq).asLongStream().toArray();
        NDArray logits = model.logits(scope.create(ids, new Shape(1, ids.length)));
        float[] last = logits.get("0, -1, :").toFloatArray();
        seq = Arrays.copyOf(seq, seq.length + 1);
        seq[seq.length - 1] = Sampler.pick(last, 0, vocab, 0f, null);
      }
    }
    return Arrays.copyOfRange(seq, prompt.length, seq.length);
  }

  @Test
  void greedyWithCacheEqualsGreedyWithoutCache() {
    int[] prompt = {3, 14, 15, 9, 26};
    int[] expected = greedyWithoutCache(prompt, 12);
    List<int[]> out =
        new Sampler(model).generate(List.of(prompt), Sampler.Options.greedy(12, -1, 0));
    assertThat(out.get(0)).containsExactly(expected);
  }

  @Test
  void leftPaddedBatchGivesTheSameTokensAsSinglePrompts() {
    List<int[]> prompts =
        List.of(new int[] {5}, new int[] {1, 2, 3, 4, 5, 6, 7}, new int[] {40, 41, 42});
    Sampler sampler = new Sampler(model);
    List<int[]> batched = sampler.generate(prompts, Sampler.Options.greedy(8, -1, 0));
    for (int i = 0; i < prompts.size(); i++) {
      int[] alone =
          sampler.generate(List.of(prompts.get(i)), Sampler.Options.greedy(8, -1, 0)).get(0);
      assertThat(batched.get(i)).as("prompt " + i).containsExactly(alone);
    }
  }

  @Test
  void stopsAfterEos() {
    int[] prompt = {7, 8, 9};
    int first = greedyWithoutCache(prompt, 1)[0];
    List<int[]> out =
        new Sampler(model)
            .generate(List.of(prompt, new int[] {1, 2}), Sampler.Options.greedy(6, first, 0));
    assertThat(out.get(0)).containsExactly(first);
    assertThat(out.get(1).length).isBetween(1, 6);
  }

  @Test
  void tinyDemoModelGeneratesDecodableText() {
    CharTokenizer tokenizer = new CharTokenizer();
    try (DecoderModel tiny = DecoderModel.randomInit(ModelConfig.tiny(), 3, Device.cpu())) {
      int[] prompt = tokenizer.encode("<bos>What is 2+3?<think>");
      int[] completion =
          new Sampler(tiny)
              .generate(
                  List.of(prompt),
                  new Sampler.Options(30, 1f, tokenizer.eosId(), tokenizer.padId(), 5))
              .get(0);
      assertThat(completion.length).isBetween(1, 30);
      String text = tokenizer.decode(completion);
      assertThat(text.length()).isLessThanOrEqualTo(30 * "</answer>".length());
    }
  }

  @Test
  void temperatureSamplingIsSeededAndStaysInTheVocabulary() {
    Sampler sampler = new Sampler(model);
    List<int[]> prompts = List.of(new int[] {1, 2, 3}, new int[] {4});
    Sampler.Options options = new Sampler.Options(20, 1.5f, -1, 0, 42L);
    List<int[]> a = sampler.generate(prompts, options);
    List<int[]> b = sampler.generate(prompts, options);
    List<int[]> c = sampler.generate(prompts, new Sampler.Options(20, 1.5f, -1, 0, 43L));
    assertThat(a.get(0)).containsExactly(b.get(0));
    assertThat(a.get(1)).containsExactly(b.get(1));
    assertThat(Arrays.equals(a.get(0), c.get(0)) && Arrays.equals(a.get(1), c.get(1))).isFalse();
    for (int[] seq : a) {
      assertThat(seq).hasSize(20);
      assertThat(Arrays.stream(seq).allMatch(t -> t >= 0 && t < model.config().vocabSize()))
          .isTrue();
    }
  }
}
