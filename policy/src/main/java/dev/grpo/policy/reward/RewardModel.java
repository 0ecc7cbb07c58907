package dev.grpo.policy.reward;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.weights.SafetensorsWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A scalar reward on a policy backbone: the {@link DecoderModel}'s final hidden state at the last
 * real (non-pad) token of a sequence, times a (1, hidden) score head, as Hugging Face's {@code
 * LlamaForSequenceClassification} with one label (no bias: the pairwise loss cannot see one).
 *
 * <p>On disk a reward model is a model folder ({@code config.json}, {@code model.safetensors}: the
 * backbone, loadable as a policy) plus {@value #HEAD_FILE} holding {@value #HEAD_WEIGHT}.
 */
public final class RewardModel implements AutoCloseable {

  /** File of the score head inside a reward-model folder. */
  public static final String HEAD_FILE = "reward_head.safetensors";

  /** Name of the head's (1, hidden) weight, as in Hugging Face's sequence classifiers. */
  public static final String HEAD_WEIGHT = "score.weight";

  private final DecoderModel backbone;
  private final NDManager headManager;
  private final NDArray head;

  private RewardModel(DecoderModel backbone, NDManager headManager, NDArray head) {
    this.backbone = backbone;
    this.headManager = headManager;
    this.head = head;
  }

  /**
   * A new score head on {@code backbone} (which the reward model then owns): weights ~ N(0, 0.02²)
   * from a {@link Random} seeded by {@code seed}, so the same on every device.
   */
  public static RewardModel withNewHead(DecoderModel backbone, long seed) {
    int hidden = backbone.config().hiddenSize();
    float[] data = new float[hidden];
    Random random = new Random(seed * 1_000_003L + HEAD_WEIGHT.hashCode());
    for (int i = 0; i < hidden; i++) {
      data[i] = (float) (random.nextGaussian() * 0.02);
    }
    NDManager manager = NDManager.newBaseManager(backbone.device());
    NDArray head = manager.create(data, new Shape(1, hidden));
    head.setName(HEAD_WEIGHT);
    return new RewardModel(backbone, manager, head);
  }

  /** Loads a reward-model folder written by {@link #save}. */
  public static RewardModel load(Path dir, Device device) {
    Path headFile = dir.resolve(HEAD_FILE);
    if (!Files.isRegularFile(headFile)) {
      throw new IllegalArgumentException("not a reward model (no " + HEAD_FILE + "): " + dir);
    }
    DecoderModel backbone = DecoderModel.load(dir, device);
    NDManager manager = NDManager.newBaseManager(device);
    try {
      NDArray head;
      try (NDManager reading = NDManager.newBaseManager(Device.cpu())) {
        Map<String, NDArray> tensors = SafetensorsWeights.readFloat32(headFile, reading);
        NDArray saved = tensors.get(HEAD_WEIGHT);
        Shape expected = new Shape(1, backbone.config().hiddenSize());
        if (saved == null || tensors.size() != 1 || !saved.getShape().equals(expected)) {
          throw new IllegalArgumentException(
              HEAD_FILE + " must hold exactly " + HEAD_WEIGHT + " of shape " + expected);
        }
        // a copy libtorch owns, on the device, before the reading manager frees the buffer
        head = saved.toType(DataType.FLOAT32, false).toDevice(device, true).duplicate();
        head.attach(manager);
      }
      head.setName(HEAD_WEIGHT);
      return new RewardModel(backbone, manager, head);
    } catch (RuntimeException e) {
      manager.close();
      backbone.close();
      throw e;
    }
  }

  /** Writes the backbone's model folder and the head into {@code dir}. */
  public void save(Path dir) {
    backbone.save(dir);
    SafetensorsWeights.write(Map.of(HEAD_WEIGHT, head), dir.resolve(HEAD_FILE));
  }

  /** The backbone's architecture. */
  public ModelConfig config() {
    return backbone.config();
  }

  public Device device() {
    return backbone.device();
  }

  /** The most tokens a sequence may have. */
  public int maxTokens() {
    return backbone.config().maxPositionEmbeddings();
  }

  /** Backbone parameters by Hugging Face name, then {@value #HEAD_WEIGHT}. */
  public Map<String, NDArray> parameters() {
    Map<String, NDArray> all = new LinkedHashMap<>(backbone.parameters());
    all.put(HEAD_WEIGHT, head);
    return Collections.unmodifiableMap(all);
  }

  public void setRequiresGradient(boolean requiresGradient) {
    backbone.setRequiresGradient(requiresGradient);
    head.setRequiresGradient(requiresGradient);
  }

  /**
   * The reward of each sequence in one right-padded forward pass: (batch,) float32, in the manager
   * {@code scope}. Padding does not change a sequence's reward (its tokens attend only to earlier
   * tokens of the same sequence).
   *
   * @param sequences token ids (prompt and completion, BOS first when the tokenizer has one), each
   *     at least one and at most {@link #maxTokens} long
   */
  public NDArray scores(List<int[]> sequences, NDManager scope) {
    if (sequences.isEmpty()) {
      throw new IllegalArgumentException("need at least one sequence");
    }
    int batch = sequences.size();
    int length = 0;
    for (int i = 0; i < batch; i++) {
      int n = sequences.get(i).length;
      if (n == 0 || n > maxTokens()) {
        throw new IllegalArgumentException(
            "sequence " + i + " has " + n + " tokens, must have 1 to " + maxTokens());
      }
      length = Math.max(length, n);
    }
    long[] ids = new long[batch * length];
    float[] mask = new float[batch * length];
    long[] last = new long[batch];
    for (int i = 0; i < batch; i++) {
      int[] s = sequences.get(i);
      for (int t = 0; t < s.length; t++) {
        ids[i * length + t] = s[t];
        mask[i * length + t] = 1f;
      }
      last[i] = s.length - 1;
    }
    Device device = device();
    NDArray inputIds = scope.create(ids, new Shape(batch, length)).toDevice(device, false);
    NDArray attention = scope.create(mask, new Shape(batch, length)).toDevice(device, false);
    NDArray hidden = backbone.lastHiddenStates(inputIds, attention);
    long width = hidden.getShape().get(2);
    NDArray index =
        scope
            .create(last, new Shape(batch, 1, 1))
            .toDevice(device, false)
            .broadcast(batch, 1, width);
    NDArray picked = hidden.gather(index, 1).reshape(batch, width);
    return Linear.linear(picked, head).singletonOrThrow().reshape(batch);
  }

  /** Frees the backbone and the head. */
  @Override
  public void close() {
    headManager.close();
    backbone.close();
  }
}
