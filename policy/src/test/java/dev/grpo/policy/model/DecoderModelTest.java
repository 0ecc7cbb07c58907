package dev.grpo.policy.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DecoderModelTest {

  private static DecoderModel gqa;
  private static DecoderModel tied;

  @BeforeAll
  static void load() {
    gqa = DecoderModel.load(Path.of("src/test/resources/parity/llama_gqa"), Device.cpu());
    tied = DecoderModel.load(Path.of("src/test/resources/parity/qwen2_tied"), Device.cpu());
  }

  @AfterAll
  static void close() {
    gqa.close();
    tied.close();
  }

  private static int[] randomIds(Random random, int length, int vocab) {
    int[] ids = new int[length];
    for (int i = 0; i < length; i++) {
      ids[i] = random.nextInt(vocab);
    }
    return ids;
  }

  private static long[] toLong(int[] ids) {
    long[] out = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = ids[i];
    }
    return out;
  }

  @Test
  void incrementalDecodeWithCacheEqualsFullForward() {
    for (DecoderModel model : List.of(gqa, tied)) {
      try (NDManager scope = NDManager.newBaseManager(Device.cpu())) {
        int[] seq = randomIds(new Random(1), 16, model.config().vocabSize());
        NDArray ids = scope.create(toLong(seq), new Shape(1, seq.length));
        NDArray full = model.logits(ids);

        int prefill = 5;
        ForwardOutput out =
            model.forward(
                ids.get(":, 0:" + prefill),
                null,
                null,
                KvCache.empty(model.config().numHiddenLayers()));
        float error = out.logits().sub(full.get(":, 0:" + prefill)).abs().max().getFloat();
        KvCache cache = out.cache();
        assertThat(cache.length()).isEqualTo(prefill);
        for (int t = prefill; t < seq.length; t++) {
          ForwardOutput step = model.forward(ids.get(":, " + t + ":" + (t + 1)), null, null, cache);
          error =
              Math.max(
                  error,
                  step.logits().sub(full.get(":, " + t + ":" + (t + 1))).abs().max().getFloat());
          cache = step.cache();
          assertThat(cache.length()).isEqualTo(t + 1);
        }
        assertThat(error).isLessThanOrEqualTo(1e-4f);
      }
    }
  }

  @Test
  void leftPaddedBatchWithCacheMatchesSequencesAlone() {
    DecoderModel model = gqa;
    Random random = new Random(2);
    int[] lengths = {3, 7, 5};
    int width = 7;
    int extra = 4;
    int vocab = model.config().vocabSize();
    try (NDManager scope = NDManager.newBaseManager(Device.cpu())) {
      List<int[]> seqs = new ArrayList<>();
      for (int len : lengths) {
        seqs.add(randomIds(random, len + extra, vocab));
      }
      long[] ids = new long[lengths.length * width];
      long[] mask = new long[lengths.length * width];
      for (int i = 0; i < lengths.length; i++) {
        for (int t = 0; t < lengths[i]; t++) {
          ids[i * width + width - lengths[i] + t] = seqs.get(i)[t];
          mask[i * width + width - lengths[i] + t] = 1;
        }
      }
      NDArray maskArray = scope.create(mask, new Shape(lengths.length, width));
      ForwardOutput out =
          model.forward(
              scope.create(ids, new Shape(lengths.length, width)),
              maskArray,
              null,
              KvCache.empty(model.config().numHiddenLayers()));
      float error = 0;
      List<NDArray> alone = new ArrayList<>();
      for (int i = 0; i < lengths.length; i++) {
        int[] s = seqs.get(i);
        NDArray full = model.logits(scope.create(toLong(s), new Shape(1, s.length)));
        alone.add(full);
        NDArray last = out.logits().get(i + ", -1, :");
        error =
            Math.max(
                error, last.sub(full.get("0, " + (lengths[i] - 1) + ", :")).abs().max().getFloat());
      }
      KvCache cache = out.cache();
      for (int k = 0; k < extra; k++) {
        long[] next = new long[lengths.length];
        for (int i = 0; i < lengths.length; i++) {
          next[i] = seqs.get(i)[lengths[i] + k];
        }
        maskArray =
            maskArray.concat(
                scope.ones(new Shape(lengths.length, 1)).toType(maskArray.getDataType(), false), 1);
        ForwardOutput step =
            model.forward(scope.create(next, new Shape(lengths.length, 1)), maskArray, null, cache);
        cache = step.cache();
        for (int i = 0; i < lengths.length; i++) {
          NDArray expected = alone.get(i).get("0, " + (lengths[i] + k) + ", :");
          error =
              Math.max(error, step.logits().get(i + ", 0, :").sub(expected).abs().max().getFloat());
        }
      }
      assertThat(error).isLessThanOrEqualTo(1e-4f);
    }
  }

  @Test
  void logProbsOfASequenceDoNotDependOnPaddingOrBatchMates() {
    Random random = new Random(3);
    for (DecoderModel model : List.of(gqa, tied)) {
      int vocab = model.config().vocabSize();
      int[] prompt = randomIds(random, 4, vocab);
      int[] completion = randomIds(random, 6, vocab);
      try (NDManager scope = NDManager.newBaseManager(Device.cpu())) {
        TokenLogProbs alone = model.logProbs(List.of(prompt), List.of(completion), scope);
        TokenLogProbs batched =
            model.logProbs(
                List.of(randomIds(random, 11, vocab), prompt, randomIds(random, 2, vocab)),
                List.of(randomIds(random, 9, vocab), completion, randomIds(random, 1, vocab)),
                scope);
        assertThat(batched.logProbs().getShape()).isEqualTo(new Shape(3, 9));
        float[] a = alone.logProbs(0);
        float[] b = batched.logProbs(1);
        assertThat(b).hasSize(6);
        assertThat(b).containsExactly(a, org.assertj.core.data.Offset.offset(1e-5f));
        assertThat(batched.entropy(1))
            .containsExactly(alone.entropy(0), org.assertj.core.data.Offset.offset(1e-5f));
        assertThat(batched.logProbs(2)).hasSize(1);
        for (float lp : a) {
          assertThat(lp).isNegative();
        }
      }
    }
  }

  @Test
  void temperatureScalesLogitsBeforeTheSoftmax() {
    Random random = new Random(4);
    int vocab = gqa.config().vocabSize();
    int[] prompt = randomIds(random, 3, vocab);
    int[] completion = randomIds(random, 3, vocab);
    try (NDManager scope = NDManager.newBaseManager(Device.cpu())) {
      float[] hot = gqa.logProbs(List.of(prompt), List.of(completion), 2f, scope).entropy(0);
      float[] cold = gqa.logProbs(List.of(prompt), List.of(completion), scope).entropy(0);
      for (int i = 0; i < hot.length; i++) {
        assertThat(hot[i]).isGreaterThan(cold[i]);
      }
    }
  }

  @Test
  void gradientsFlowToEveryParameterAndMatchFiniteDifferences() {
    ModelConfig config = ModelConfig.tiny(30);
    Random random = new Random(5);
    List<int[]> prompts = List.of(randomIds(random, 4, 30), randomIds(random, 2, 30));
    List<int[]> completions = List.of(randomIds(random, 3, 30), randomIds(random, 5, 30));
    String probe = "model.layers.1.mlp.gate_proj.weight";
    float analytic;
    try (DecoderModel model = DecoderModel.randomInit(config, 11, Device.cpu());
        NDManager scope = NDManager.newBaseManager(Device.cpu())) {
      model.setRequiresGradient(true);
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        TokenLogProbs lp = model.logProbs(prompts, completions, scope);
        NDArray loss = lp.logProbs().sum().add(lp.entropy().sum().mul(0.1f));
        collector.backward(loss);
      }
      for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
        float norm = e.getValue().getGradient().abs().sum().getFloat();
        assertThat(norm).as("gradient of " + e.getKey()).isGreaterThan(0f).isFinite();
      }
      analytic = model.parameters().get(probe).getGradient().get(3, 7).getFloat();
    }
    double epsilon = 1e-2;
    double[] losses = new double[2];
    for (int side = 0; side < 2; side++) {
      try (DecoderModel base = DecoderModel.randomInit(config, 11, Device.cpu());
          NDManager scope = NDManager.newBaseManager(Device.cpu())) {
        Map<String, NDArray> weights = new java.util.LinkedHashMap<>(base.parameters());
        NDArray delta = scope.zeros(weights.get(probe).getShape());
        delta.set(new ai.djl.ndarray.index.NDIndex(3, 7), side == 0 ? epsilon : -epsilon);
        weights.put(probe, weights.get(probe).add(delta));
        try (DecoderModel shifted = DecoderModel.fromWeights(config, weights, Device.cpu())) {
          TokenLogProbs lp = shifted.logProbs(prompts, completions, scope);
          losses[side] = lp.logProbs().sum().getFloat() + 0.1 * lp.entropy().sum().getFloat();
        }
      }
    }
    double numeric = (losses[0] - losses[1]) / (2 * epsilon);
    assertThat(Math.abs(analytic)).isGreaterThan(1e-4f);
    assertThat(analytic)
        .isCloseTo(
            (float) numeric,
            org.assertj.core.data.Offset.offset((float) (2e-2 * Math.abs(numeric) + 1e-4)));
  }

  @Test
  void forwardLeavesParametersUntouchedAndOutputsInTheCallerScope() {
    try (DecoderModel model = DecoderModel.randomInit(ModelConfig.tiny(20), 1, Device.cpu());
        NDManager scope = NDManager.newBaseManager(Device.cpu())) {
      NDArray ids = scope.create(new long[] {1, 2, 3}, new Shape(1, 3));
      NDArray logits = model.logits(ids);
      assertThat(logits.getShape()).isEqualTo(new Shape(1, 3, 20));
      assertThat(logits.getManager()).isSameAs(scope);
    }
  }

  @Test
  void rejectsEmptyPromptsAndMismatchedBatches() {
    try (NDManager scope = NDManager.newBaseManager(Device.cpu())) {
      assertThatThrownBy(() -> gqa.logProbs(List.of(new int[0]), List.of(new int[] {1}), scope))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> gqa.logProbs(List.of(new int[] {1}), List.of(), scope))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
