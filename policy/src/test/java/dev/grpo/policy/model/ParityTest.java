package dev.grpo.policy.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.grpo.policy.weights.SafetensorsWeights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Compares the Java model with the plain PyTorch reference ({@code src/test/python/
 * reference_model.py}), whose outputs are committed under {@code src/test/resources/parity}. The
 * reference ran every sequence alone; here they run as one right-padded batch.
 */
class ParityTest {

  private static final Path PARITY = Path.of("src/test/resources/parity");
  private static final float TOLERANCE = 1e-4f;

  @ParameterizedTest
  @ValueSource(strings = {"llama_gqa", "qwen2_tied", "llama_bias_mha", "llama_long"})
  void paddedBatchLogitsMatchReference(String name) {
    Path dir = PARITY.resolve(name);
    try (DecoderModel model = DecoderModel.load(dir, Device.cpu());
        NDManager scope = NDManager.newBaseManager(Device.cpu())) {
      Map<String, NDArray> expected =
          SafetensorsWeights.read(dir.resolve("expected.safetensors"), scope);
      NDArray ids = expected.get("input_ids");
      NDArray mask = expected.get("attention_mask");
      NDArray logits = model.forward(ids, mask, null, null).logits();
      NDArray reference = expected.get("logits");
      assertThat(logits.getShape()).isEqualTo(reference.getShape());
      assertThat(reference.abs().max().getFloat())
          .as("reference logits are not trivial")
          .isGreaterThan(1f);
      float error = maskedMaxError(logits, reference, mask.expandDims(-1));
      System.out.printf("parity %s logits max abs error %.3g%n", name, error);
      assertThat(error).isLessThanOrEqualTo(TOLERANCE);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama_gqa", "qwen2_tied", "llama_bias_mha", "llama_long"})
  void paddedBatchLogProbsAndEntropyMatchReference(String name) {
    Path dir = PARITY.resolve(name);
    try (DecoderModel model = DecoderModel.load(dir, Device.cpu());
        NDManager scope = NDManager.newBaseManager(Device.cpu())) {
      Map<String, NDArray> expected =
          SafetensorsWeights.read(dir.resolve("expected.safetensors"), scope);
      List<int[]> prompts = new ArrayList<>();
      List<int[]> completions = new ArrayList<>();
      split(expected, prompts, completions);
      TokenLogProbs result = model.logProbs(prompts, completions, scope);
      NDArray refLogProbs = expected.get("log_probs");
      assertThat(result.logProbs().getShape()).isEqualTo(refLogProbs.getShape());
      long[] completionLengths = expected.get("completion_lengths").toLongArray();
      for (int i = 0; i < completionLengths.length; i++) {
        assertThat(result.logProbs(i)).hasSize((int) completionLengths[i]);
      }
      float logProbError = maskedMaxError(result.logProbs(), refLogProbs, result.mask());
      float entropyError = maskedMaxError(result.entropy(), expected.get("entropy"), result.mask());
      System.out.printf(
          "parity %s log-prob max abs error %.3g, entropy %.3g%n",
          name, logProbError, entropyError);
      assertThat(logProbError).isLessThanOrEqualTo(TOLERANCE);
      assertThat(entropyError).isLessThanOrEqualTo(TOLERANCE);
      // padding positions are exactly zero
      assertThat(result.logProbs().mul(result.mask().sub(1f)).abs().max().getFloat()).isZero();
    }
  }

  @Test
  void perturbedWeightsBreakParity() {
    Path dir = PARITY.resolve("llama_gqa");
    try (NDManager scope = NDManager.newBaseManager(Device.cpu())) {
      ModelConfig config = ModelConfig.fromJson(dir.resolve("config.json"));
      Map<String, NDArray> weights =
          SafetensorsWeights.read(dir.resolve("model.safetensors"), scope);
      weights.put(
          "model.layers.1.mlp.up_proj.weight",
          weights.get("model.layers.1.mlp.up_proj.weight").add(0.01f));
      Map<String, NDArray> expected =
          SafetensorsWeights.read(dir.resolve("expected.safetensors"), scope);
      try (DecoderModel model = DecoderModel.fromWeights(config, weights, Device.cpu())) {
        NDArray mask = expected.get("attention_mask");
        NDArray logits = model.forward(expected.get("input_ids"), mask, null, null).logits();
        float error = maskedMaxError(logits, expected.get("logits"), mask.expandDims(-1));
        assertThat(error).isGreaterThan(1e-3f);
      }
    }
  }

  static void split(Map<String, NDArray> expected, List<int[]> prompts, List<int[]> completions) {
    long[][] ids = toRows(expected.get("input_ids"));
    long[] promptLengths = expected.get("prompt_lengths").toLongArray();
    long[] completionLengths = expected.get("completion_lengths").toLongArray();
    for (int i = 0; i < ids.length; i++) {
      int p = (int) promptLengths[i];
      int c = (int) completionLengths[i];
      prompts.add(Arrays.stream(Arrays.copyOfRange(ids[i], 0, p)).mapToInt(x -> (int) x).toArray());
      completions.add(
          Arrays.stream(Arrays.copyOfRange(ids[i], p, p + c)).mapToInt(x -> (int) x).toArray());
    }
  }

  static long[][] toRows(NDArray matrix) {
    int rows = (int) matrix.getShape().get(0);
    int cols = (int) matrix.getShape().get(1);
    long[] flat = matrix.toLongArray();
    long[][] out = new long[rows][];
    for (int i = 0; i < rows; i++) {
      out[i] = Arrays.copyOfRange(flat, i * cols, (i + 1) * cols);
    }
    return out;
  }

  static float maskedMaxError(NDArray actual, NDArray expected, NDArray mask) {
    return actual.sub(expected).abs().mul(mask.toType(DataType.FLOAT32, false)).max().getFloat();
  }
}
