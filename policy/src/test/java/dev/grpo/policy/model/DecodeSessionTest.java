package dev.grpo.policy.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.grpo.policy.lora.LoraAdapters;
import dev.grpo.policy.lora.LoraConfig;
import dev.grpo.policy.tokenizer.CharTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link DecodeSession} against the training forward pass: the logits of every decode step equal
 * those of {@link DecoderModel#forwardLastPosition} run on the whole left-padded sequence (no
 * cache), to float rounding, for grouped-query attention, q/k/v biases, LoRA adapters and rows
 * fanned out or dropped on the way.
 */
class DecodeSessionTest {

  private static final Path PARITY = Path.of("src/test/resources/parity");
  private static final float TOLERANCE = 2e-4f;

  @Test
  void everyDecodeStepMatchesTheFullForwardPassWithGroupedQueryAttention() {
    try (DecoderModel model = DecoderModel.load(PARITY.resolve("llama_gqa"), Device.cpu())) {
      assertThat(model.config().groupSize()).isEqualTo(3);
      assertThat(maxStepError(model, prompts(model, 4, 3, 11), 20)).isLessThan(TOLERANCE);
    }
  }

  @Test
  void biasesAndTiedEmbeddingsToo() {
    try (DecoderModel model = DecoderModel.load(PARITY.resolve("qwen2_tied"), Device.cpu())) {
      assertThat(model.config().qkvBias()).isTrue();
      assertThat(model.config().tieWordEmbeddings()).isTrue();
      assertThat(maxStepError(model, prompts(model, 3, 2, 9), 16)).isLessThan(TOLERANCE);
    }
  }

  @Test
  void loraAdaptersAreMergedIntoTheFusedWeightsWithTheSameResult() {
    ModelConfig config = ModelConfig.tiny(CharTokenizer.VOCAB_SIZE);
    LoraConfig lora =
        new LoraConfig(
            4,
            8,
            0,
            List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"));
    try (DecoderModel model = DecoderModel.randomInit(config, 3, Device.cpu())) {
      model.attachAdapters(LoraAdapters.init(config, lora, 7, Device.cpu()));
      // B starts at zero (the base exactly); give it weight so the adapters change the logits
      Random random = new Random(5);
      for (var e : model.adapters().parameters().entrySet()) {
        if (e.getKey().endsWith("lora_B.weight")) {
          NDArray b = e.getValue();
          float[] values = new float[Math.toIntExact(b.size())];
          for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * 0.5);
          }
          try (NDArray delta = b.getManager().create(values, b.getShape())) {
            b.addi(delta);
          }
        }
      }
      List<int[]> prompts = prompts(model, 3, 4, 12);
      float adapterEffect;
      try (DecoderModel base = model.baseView();
          NDManager scope = NDManager.newBaseManager(Device.cpu())) {
        adapterEffect =
            maxAbsDifference(fullLogits(model, prompts, scope), fullLogits(base, prompts, scope));
      }
      assertThat(adapterEffect).as("the adapters matter").isGreaterThan(0.05f);
      assertThat(maxStepError(model, prompts, 12)).isLessThan(TOLERANCE);
    }
  }

  @Test
  void rowsFannedOutAndDroppedKeepTheirOwnHistory() {
    try (DecoderModel model = DecoderModel.load(PARITY.resolve("llama_gqa"), Device.cpu());
        NDManager scope = NDManager.newBaseManager(Device.cpu())) {
      List<int[]> prompts = prompts(model, 2, 4, 9);
      List<int[]> sequences = new ArrayList<>(prompts);
      try (DecodeSession session = model.decodeSession(9 + 8)) {
        Padded padded = padded(sequences, scope);
        session.prefill(padded.ids, padded.mask, padded.positions);
        // rows 1, 0, 1: prompt 1 twice, in another order than the prefill's
        session.selectRows(new long[] {1, 0, 1}, 3);
        List<int[]> rows = new ArrayList<>(List.of(prompts.get(1), prompts.get(0), prompts.get(1)));
        int[] next = {7, 3, 11};
        int width = padded.width;
        for (int step = 0; step < 5; step++) {
          if (step == 3) {
            // drop the middle row
            session.selectRows(new long[] {0, 2}, 2);
            rows.remove(1);
            next = new int[] {next[0], next[2]};
          }
          long[] ids = new long[rows.size()];
          long[] positions = new long[rows.size()];
          for (int r = 0; r < rows.size(); r++) {
            ids[r] = next[r];
            positions[r] = rows.get(r).length;
            rows.set(r, append(rows.get(r), next[r]));
          }
          float[] logits = session.decode(ids, positions);
          assertThat(session.length()).isEqualTo(width + step + 1);
          float[] expected = fullLogits(model, rows, scope);
          assertThat(maxAbsDifference(logits, expected)).isLessThan(TOLERANCE);
          for (int r = 0; r < next.length; r++) {
            next[r] = (next[r] * 7 + step + r) % model.config().vocabSize();
          }
        }
      }
    }
  }

  @Test
  void aFullSessionRefusesAnotherStepAndAShortOneRefusesLongPrompts() {
    try (DecoderModel model = DecoderModel.load(PARITY.resolve("llama_gqa"), Device.cpu());
        NDManager scope = NDManager.newBaseManager(Device.cpu())) {
      List<int[]> prompts = List.of(new int[] {1, 2, 3});
      try (DecodeSession session = model.decodeSession(4)) {
        Padded padded = padded(prompts, scope);
        session.prefill(padded.ids, padded.mask, padded.positions);
        session.decode(new long[] {4}, new long[] {3});
        assertThatThrownBy(() -> session.decode(new long[] {5}, new long[] {4}))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("full (4 positions)");
        assertThatThrownBy(() -> session.decode(new long[] {5, 6}, new long[] {4, 4}))
            .isInstanceOf(IllegalArgumentException.class);
      }
      try (DecodeSession session = model.decodeSession(2)) {
        Padded padded = padded(prompts, scope);
        assertThatThrownBy(() -> session.prefill(padded.ids, padded.mask, padded.positions))
            .hasMessageContaining("exceed capacity 2");
      }
      assertThatThrownBy(() -> model.decodeSession(65)).hasMessageContaining("1..64");
    }
  }

  /**
   * Prefills the prompts, then feeds a fixed, non-greedy token sequence for {@code steps} steps;
   * the largest difference between the session's logits and the full forward pass's.
   */
  private static float maxStepError(DecoderModel model, List<int[]> prompts, int steps) {
    int vocab = model.config().vocabSize();
    int longest = prompts.stream().mapToInt(p -> p.length).max().orElseThrow();
    float worst = 0;
    try (NDManager scope = NDManager.newBaseManager(Device.cpu());
        DecodeSession session = model.decodeSession(longest + steps)) {
      Padded padded = padded(prompts, scope);
      float[] logits = session.prefill(padded.ids, padded.mask, padded.positions);
      worst = Math.max(worst, maxAbsDifference(logits, fullLogits(model, prompts, scope)));
      List<int[]> sequences = new ArrayList<>(prompts);
      for (int step = 0; step < steps; step++) {
        long[] ids = new long[sequences.size()];
        long[] positions = new long[sequences.size()];
        for (int r = 0; r < ids.length; r++) {
          int token = (step * 5 + r * 3 + 1) % vocab;
          ids[r] = token;
          positions[r] = sequences.get(r).length;
          sequences.set(r, append(sequences.get(r), token));
        }
        logits = session.decode(ids, positions);
        worst = Math.max(worst, maxAbsDifference(logits, fullLogits(model, sequences, scope)));
      }
    }
    System.out.printf("decode session vs full forward: max abs logit error %.3g%n", worst);
    return worst;
  }

  /** Last-position logits of the left-padded sequences by the training forward, no cache. */
  private static float[] fullLogits(DecoderModel model, List<int[]> sequences, NDManager scope) {
    try (NDManager step = scope.newSubManager()) {
      Padded padded = padded(sequences, step);
      return model
          .forwardLastPosition(padded.ids, padded.mask, padded.positions, null)
          .logits()
          .toFloatArray();
    }
  }

  private record Padded(NDArray ids, NDArray mask, NDArray positions, int width) {}

  private static Padded padded(List<int[]> sequences, NDManager scope) {
    int batch = sequences.size();
    int width = sequences.stream().mapToInt(p -> p.length).max().orElseThrow();
    long[] ids = new long[batch * width];
    long[] positions = new long[batch * width];
    float[] mask = new float[batch * width];
    for (int i = 0; i < batch; i++) {
      int[] seq = sequences.get(i);
      int offset = width - seq.length;
      for (int t = 0; t < seq.length; t++) {
        ids[i * width + offset + t] = seq[t];
        positions[i * width + offset + t] = t;
        mask[i * width + offset + t] = 1f;
      }
    }
    Shape shape = new Shape(batch, width);
    return new Padded(
        scope.create(ids, shape), scope.create(mask, shape), scope.create(positions, shape), width);
  }

  private static List<int[]> prompts(DecoderModel model, int count, int shortest, int longest) {
    Random random = new Random(11);
    List<int[]> prompts = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int[] p = new int[shortest + (longest - shortest) * i / Math.max(count - 1, 1)];
      for (int t = 0; t < p.length; t++) {
        p[t] = 1 + random.nextInt(model.config().vocabSize() - 1);
      }
      prompts.add(p);
    }
    return prompts;
  }

  private static int[] append(int[] sequence, int token) {
    int[] longer = Arrays.copyOf(sequence, sequence.length + 1);
    longer[sequence.length] = token;
    return longer;
  }

  private static float maxAbsDifference(float[] a, float[] b) {
    assertThat(a).hasSameSizeAs(b);
    float worst = 0;
    for (int i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs(a[i] - b[i]));
    }
    return worst;
  }
}
