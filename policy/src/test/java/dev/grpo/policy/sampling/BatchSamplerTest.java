package dev.grpo.policy.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.model.Sampler;
import dev.grpo.policy.model.TokenLogProbs;
import dev.grpo.policy.tokenizer.CharTokenizer;
import dev.grpo.policy.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BatchSamplerTest {

  /** Parity model (61 ids, sharp logits); its ids decode through the character tokenizer. */
  private static DecoderModel model;

  private static final CharTokenizer TOKENIZER = new CharTokenizer();

  private static final List<int[]> PROMPTS =
      List.of(new int[] {1, 20, 21}, new int[] {1, 30, 31, 32, 33, 34, 35, 36}, new int[] {1, 44});

  @BeforeAll
  static void load() {
    model = DecoderModel.load(Path.of("src/test/resources/parity/llama_gqa"), Device.cpu());
  }

  @AfterAll
  static void close() {
    model.close();
  }

  private static BatchSampler sampler() {
    return new BatchSampler(model, TOKENIZER);
  }

  private static SamplingParams.Builder params() {
    return SamplingParams.builder().ignoreEos(true).maxTokens(10);
  }

  private static List<int[]> tokens(List<SampleOutput> outputs) {
    return outputs.stream().map(SampleOutput::tokenIds).toList();
  }

  /** Largest |sampler log-prob - DecoderModel.logProbs| over every token of every sample. */
  private static double logProbGap(List<SampleOutput> outputs, float temperature) {
    List<int[]> prompts = new ArrayList<>();
    List<int[]> completions = new ArrayList<>();
    for (SampleOutput o : outputs) {
      prompts.add(PROMPTS.get(o.promptIndex()));
      completions.add(o.tokenIds());
    }
    double gap = 0;
    try (NDManager scope = NDManager.newBaseManager(Device.cpu())) {
      TokenLogProbs expected = model.logProbs(prompts, completions, temperature, scope);
      for (int i = 0; i < outputs.size(); i++) {
        float[] want = expected.logProbs(i);
        float[] got = outputs.get(i).logProbs();
        assertThat(got).hasSameSizeAs(want);
        for (int t = 0; t < got.length; t++) {
          gap = Math.max(gap, Math.abs(got[t] - want[t]));
        }
      }
    }
    return gap;
  }

  @Test
  void rawLogProbsEqualTheTrainersRecomputation() {
    SamplingParams p =
        params().n(3).temperature(0.7f).topP(0.8f).topK(20).maxTokens(14).seed(11).build();
    List<SampleOutput> outputs = sampler().generate(PROMPTS, p);
    assertThat(outputs).hasSize(9);
    double gap = logProbGap(outputs, 0.7f);
    System.out.println("max |sampler - DecoderModel.logProbs| = " + gap);
    assertThat(gap).isLessThan(1e-4);
  }

  @Test
  void greedyRawLogProbsAreTemperatureOneLogProbs() {
    List<SampleOutput> outputs = sampler().generate(PROMPTS, params().temperature(0f).build());
    assertThat(logProbGap(outputs, 1f)).isLessThan(1e-4);
  }

  @Test
  void processedLogProbsAreRenormalisedOverTheKeptTokens() {
    SamplingParams raw = params().n(2).temperature(0.9f).topP(0.5f).seed(5).build();
    SamplingParams processed = raw.toBuilder().logprobMode(LogprobMode.PROCESSED).build();
    List<SampleOutput> a = sampler().generate(PROMPTS, raw);
    List<SampleOutput> b = sampler().generate(PROMPTS, processed);
    for (int i = 0; i < a.size(); i++) {
      assertThat(b.get(i).tokenIds()).containsExactly(a.get(i).tokenIds());
      for (int t = 0; t < a.get(i).logProbs().length; t++) {
        assertThat(b.get(i).logProbs()[t]).isGreaterThanOrEqualTo(a.get(i).logProbs()[t] - 1e-6f);
        assertThat(b.get(i).logProbs()[t]).isLessThanOrEqualTo(1e-6f);
      }
    }
  }

  @Test
  void greedyMatchesTheReferenceSamplerAndRecomputation() {
    SamplingParams p = params().temperature(0f).maxTokens(12).build();
    List<int[]> reference = new Sampler(model).generate(PROMPTS, Sampler.Options.greedy(12, -1, 0));
    List<int[]> cached = tokens(sampler().generate(PROMPTS, p));
    List<int[]> recomputed =
        tokens(
            new BatchSampler(model, TOKENIZER, BatchSampler.CacheMode.RECOMPUTE)
                .generate(PROMPTS, p));
    for (int i = 0; i < PROMPTS.size(); i++) {
      assertThat(cached.get(i)).as("prompt " + i).containsExactly(reference.get(i));
      assertThat(recomputed.get(i)).as("prompt " + i).containsExactly(reference.get(i));
    }
  }

  @Test
  void topKOneIsGreedy() {
    List<int[]> greedy = tokens(sampler().generate(PROMPTS, params().temperature(0f).build()));
    List<int[]> topK =
        tokens(sampler().generate(PROMPTS, params().temperature(1.3f).topK(1).seed(9).build()));
    for (int i = 0; i < PROMPTS.size(); i++) {
      assertThat(topK.get(i)).containsExactly(greedy.get(i));
    }
  }

  @Test
  void tinyTopPIsGreedy() {
    List<int[]> greedy = tokens(sampler().generate(PROMPTS, params().temperature(0f).build()));
    List<int[]> topP =
        tokens(sampler().generate(PROMPTS, params().temperature(1.3f).topP(1e-6f).seed(9).build()));
    for (int i = 0; i < PROMPTS.size(); i++) {
      assertThat(topP.get(i)).containsExactly(greedy.get(i));
    }
  }

  @Test
  void stopStringCutsTheTextAndKeepsTheTokensThatProducedIt() {
    int[] prompt = PROMPTS.get(1);
    SampleOutput free =
        sampler().generate(List.of(prompt), params().temperature(0f).maxTokens(16).build()).get(0);
    String full = free.text();
    assertThat(full.length()).isGreaterThan(6);
    String stop = full.substring(3, 5);
    int at = full.indexOf(stop);
    int produced = 1;
    while (!TOKENIZER.decode(Arrays.copyOf(free.tokenIds(), produced)).contains(stop)) {
      produced++;
    }
    for (boolean include : new boolean[] {false, true}) {
      SampleOutput cut =
          sampler()
              .generate(
                  List.of(prompt),
                  params()
                      .temperature(0f)
                      .maxTokens(16)
                      .stop(List.of("no such text", stop))
                      .includeStopStrInOutput(include)
                      .build())
              .get(0);
      assertThat(cut.finishReason()).isEqualTo(FinishReason.STOP);
      assertThat(cut.stopString()).isEqualTo(stop);
      assertThat(cut.text()).isEqualTo(full.substring(0, at + (include ? stop.length() : 0)));
      assertThat(cut.tokenIds()).containsExactly(Arrays.copyOf(free.tokenIds(), produced));
      assertThat(cut.logProbs()).containsExactly(Arrays.copyOf(free.logProbs(), produced));
    }
  }

  @Test
  void stopTokenFinishesWithStopAndTheOthersCarryOnUnchanged() {
    SamplingParams free = params().temperature(0f).maxTokens(10).build();
    List<SampleOutput> alone = sampler().generate(PROMPTS, free);
    int firstOfPrompt0 = alone.get(0).tokenIds()[0];
    List<SampleOutput> stopped =
        sampler().generate(PROMPTS, free.toBuilder().stopTokenIds(Set.of(firstOfPrompt0)).build());
    assertThat(stopped.get(0).finishReason()).isEqualTo(FinishReason.STOP);
    assertThat(stopped.get(0).stopTokenId()).isEqualTo(firstOfPrompt0);
    assertThat(stopped.get(0).tokenIds()).containsExactly(firstOfPrompt0);
    assertThat(stopped.get(0).text()).isEmpty();
    for (int i = 1; i < PROMPTS.size(); i++) {
      int[] expected = alone.get(i).tokenIds();
      int cut = 0;
      while (cut < expected.length && expected[cut] != firstOfPrompt0) {
        cut++;
      }
      // The rows left in the batch after prompt 0 was dropped still decode the same tokens.
      int length = Math.min(cut + 1, expected.length);
      assertThat(stopped.get(i).tokenIds()).containsExactly(Arrays.copyOf(expected, length));
    }
  }

  @Test
  void eosStopsByDefault() {
    CharTokenizer tokenizer = new CharTokenizer();
    try (DecoderModel tiny = DecoderModel.randomInit(ModelConfig.tiny(), 3, Device.cpu())) {
      BatchSampler sampler = new BatchSampler(tiny, tokenizer);
      int[] prompt = tokenizer.encode("<bos>2+3=");
      SamplingParams p = SamplingParams.builder().temperature(0f).maxTokens(5).build();
      int first = sampler.generate(List.of(prompt), p).get(0).tokenIds()[0];
      // A tokenizer whose EOS is the greedy first token stops there without stopTokenIds.
      Tokenizer eosIsFirst = new EosOverride(tokenizer, first);
      SampleOutput out = new BatchSampler(tiny, eosIsFirst).generate(List.of(prompt), p).get(0);
      assertThat(out.finishReason()).isEqualTo(FinishReason.STOP);
      assertThat(out.tokenIds()).containsExactly(first);
      SampleOutput ignored =
          new BatchSampler(tiny, eosIsFirst)
              .generate(List.of(prompt), p.toBuilder().ignoreEos(true).build())
              .get(0);
      assertThat(ignored.finishReason()).isEqualTo(FinishReason.LENGTH);
    }
  }

  @Test
  void maxTokensFinishesWithLength() {
    List<SampleOutput> outputs =
        sampler().generate(PROMPTS, params().n(2).maxTokens(7).seed(3).build());
    for (SampleOutput o : outputs) {
      assertThat(o.finishReason()).isEqualTo(FinishReason.LENGTH);
      assertThat(o.tokenIds()).hasSize(7);
      assertThat(o.logProbs()).hasSize(7);
      assertThat(o.text()).isEqualTo(TOKENIZER.decode(o.tokenIds()));
    }
  }

  @Test
  void sameSeedSameSamplesDifferentSeedDifferentSamples() {
    CharTokenizer tokenizer = new CharTokenizer();
    try (DecoderModel tiny = DecoderModel.randomInit(ModelConfig.tiny(), 3, Device.cpu())) {
      BatchSampler sampler = new BatchSampler(tiny, tokenizer);
      List<int[]> prompts =
          List.of(tokenizer.encode("<bos>What is 2+3?"), tokenizer.encode("<bos>Hi"));
      SamplingParams p =
          SamplingParams.builder()
              .n(2)
              .temperature(1f)
              .maxTokens(20)
              .ignoreEos(true)
              .seed(42)
              .build();
      List<int[]> a = tokens(sampler.generate(prompts, p));
      List<int[]> b = tokens(sampler.generate(prompts, p));
      List<int[]> c = tokens(sampler.generate(prompts, p.toBuilder().seed(43).build()));
      for (int i = 0; i < a.size(); i++) {
        assertThat(b.get(i)).containsExactly(a.get(i));
        assertThat(Arrays.equals(a.get(i), c.get(i))).as("sample " + i).isFalse();
      }
      assertThat(Arrays.equals(a.get(0), a.get(1))).as("two samples of one prompt").isFalse();
    }
  }

  @Test
  void aSampleDoesNotDependOnTheRestOfTheBatch() {
    SamplingParams p = params().n(2).temperature(1f).maxTokens(12).seed(7).build();
    List<SampleOutput> alone = sampler().generate(List.of(PROMPTS.get(2)), p);
    List<SampleOutput> batched = sampler().generate(List.of(PROMPTS.get(1), PROMPTS.get(2)), p);
    for (int j = 0; j < 2; j++) {
      assertThat(batched.get(2 + j).promptIndex()).isEqualTo(1);
      assertThat(batched.get(2 + j).sampleIndex()).isEqualTo(j);
      assertThat(batched.get(2 + j).tokenIds()).containsExactly(alone.get(j).tokenIds());
    }
  }

  @Test
  void earlyFinishersLeaveTheBatchWithoutDisturbingTheOthers() {
    SamplingParams free = params().n(3).temperature(1f).maxTokens(12).seed(21).build();
    List<SampleOutput> first = sampler().generate(PROMPTS, free);
    // Stop at tokens that some samples produce early, so rows leave the batch at different steps.
    Set<Integer> stopIds = Set.of(first.get(0).tokenIds()[2], first.get(4).tokenIds()[5]);
    SamplingParams stopping = free.toBuilder().stopTokenIds(stopIds).build();
    List<SampleOutput> batched = sampler().generate(PROMPTS, stopping);
    assertThat(batched.stream().filter(o -> o.finishReason() == FinishReason.STOP)).isNotEmpty();
    assertThat(batched.stream().mapToInt(o -> o.tokenIds().length).distinct().count())
        .isGreaterThan(1);
    for (int i = 0; i < PROMPTS.size(); i++) {
      List<SampleOutput> alone = sampler().generate(List.of(PROMPTS.get(i)), stopping);
      for (int j = 0; j < 3; j++) {
        assertThat(batched.get(i * 3 + j).tokenIds())
            .as("prompt %d sample %d", i, j)
            .containsExactly(alone.get(j).tokenIds());
      }
    }
    assertThat(logProbGap(batched, 1f)).isLessThan(1e-4);
  }

  @Test
  void rejectsPromptsThatDoNotFit() {
    int[] longPrompt = new int[60];
    Arrays.fill(longPrompt, 5);
    assertThatThrownBy(() -> sampler().generate(List.of(longPrompt), params().build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("max_position_embeddings");
    assertThatThrownBy(() -> sampler().generate(List.of(new int[0]), params().build()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** The character tokenizer with another EOS id. */
  private record EosOverride(CharTokenizer chars, int eosId) implements Tokenizer {
    @Override
    public int[] encode(String text) {
      return chars.encode(text);
    }

    @Override
    public String decode(int[] ids) {
      return chars.decode(ids);
    }

    @Override
    public int padId() {
      return chars.padId();
    }

    @Override
    public int bosId() {
      return chars.bosId();
    }

    @Override
    public int vocabSize() {
      return chars.vocabSize();
    }
  }
}
