package dev.grpo.trainer.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.grpo.policy.model.DecoderModel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A critic V(s_t) per completion token: a scalar linear head w·h_t + b on the final hidden state
 * h_t a decoder has at the position that predicts token t (the positions the log-probs are read
 * at). With {@link ValueModelKind#HEAD} the decoder is the policy, read without gradient, and only
 * the head is trained; with {@link ValueModelKind#SEPARATE} it is a decoder of the critic's own,
 * trained with the head.
 *
 * <p>Parameters are named {@code value_head.weight} [H], {@code value_head.bias} [1] and, for a
 * separate decoder, {@code backbone.} + the decoder's Hugging Face names: the keys of its optimizer
 * state and of its checkpoint file.
 */
public final class ValueModel implements AutoCloseable {

  public static final String HEAD_WEIGHT = "value_head.weight";
  public static final String HEAD_BIAS = "value_head.bias";
  public static final String BACKBONE_PREFIX = "backbone.";

  private final ValueModelKind kind;
  private final DecoderModel backbone;
  private final NDManager manager;
  private final NDArray weight;
  private final NDArray bias;

  private ValueModel(ValueModelKind kind, DecoderModel backbone, long seed) {
    this.kind = kind;
    this.backbone = backbone;
    this.manager = NDManager.newBaseManager(backbone.device());
    int hidden = backbone.config().hiddenSize();
    // N(0, 0.02²) like a Hugging Face head's initialiser, from the run's seed; bias 0
    SplittableRandom random = new SplittableRandom(seed);
    float[] w = new float[hidden];
    for (int i = 0; i < hidden; i++) {
      w[i] = (float) (gaussian(random) * 0.02);
    }
    try (NDArray borrowed = manager.create(w)) {
      this.weight = borrowed.duplicate();
    }
    try (NDArray borrowed = manager.create(new float[] {0f})) {
      this.bias = borrowed.duplicate();
    }
    weight.setName(HEAD_WEIGHT);
    bias.setName(HEAD_BIAS);
    weight.setRequiresGradient(true);
    bias.setRequiresGradient(true);
    if (kind == ValueModelKind.SEPARATE) {
      backbone.setRequiresGradient(true);
    }
  }

  /** A head on the policy's hidden states; the policy stays the caller's. */
  public static ValueModel head(DecoderModel policy, long seed) {
    return new ValueModel(ValueModelKind.HEAD, policy, seed);
  }

  /** A separate decoder with a head; the value model owns (and closes) {@code backbone}. */
  public static ValueModel separate(DecoderModel backbone, long seed) {
    return new ValueModel(ValueModelKind.SEPARATE, backbone, seed);
  }

  public ValueModelKind kind() {
    return kind;
  }

  /**
   * [B,T] values of each completion token (0 on padding), with gradient w.r.t. the critic's
   * parameters when called inside a gradient collector; intermediates go to {@code scope}.
   */
  public NDArray values(List<int[]> prompts, List<int[]> completions, NDManager scope) {
    DecoderModel.CompletionStates states = backbone.completionStates(prompts, completions, scope);
    NDArray hidden = states.hidden();
    if (kind == ValueModelKind.HEAD) {
      hidden = hidden.stopGradient();
    }
    long width = hidden.getShape().get(2);
    NDArray v = hidden.matMul(weight.reshape(width, 1)).squeeze(-1).add(bias);
    return v.mul(states.mask());
  }

  /** The trained parameters by name (what the optimizer steps and a checkpoint stores). */
  public Map<String, NDArray> parameters() {
    Map<String, NDArray> out = new LinkedHashMap<>();
    out.put(HEAD_WEIGHT, weight);
    out.put(HEAD_BIAS, bias);
    if (kind == ValueModelKind.SEPARATE) {
      backbone.parameters().forEach((name, array) -> out.put(BACKBONE_PREFIX + name, array));
    }
    return out;
  }

  /** Number of trained scalars. */
  public long parameterCount() {
    long n = 0;
    for (NDArray p : parameters().values()) {
      n += p.getShape().size();
    }
    return n;
  }

  /**
   * Overwrites every parameter in place with the tensor of the same name; the names and shapes must
   * be exactly {@link #parameters()}'. Call it with grad mode off (outside a collector).
   */
  public void load(Map<String, NDArray> tensors) {
    Map<String, NDArray> own = parameters();
    if (!own.keySet().equals(tensors.keySet())) {
      throw new IllegalArgumentException(
          "value model tensors " + tensors.keySet() + " do not match " + own.keySet());
    }
    for (Map.Entry<String, NDArray> e : own.entrySet()) {
      NDArray source = tensors.get(e.getKey());
      Shape shape = e.getValue().getShape();
      if (!source.getShape().equals(shape)) {
        throw new IllegalArgumentException(
            "tensor " + e.getKey() + " has shape " + source.getShape() + ", expected " + shape);
      }
      // by value into the parameter's own storage (as ReferenceSync does), keeping its identity
      e.getValue().muli(0.0).addi(source.toType(DataType.FLOAT32, false));
    }
  }

  private static double gaussian(SplittableRandom random) {
    // Box-Muller: the seed alone fixes the head, on any JVM
    double u = 1.0 - random.nextDouble();
    double v = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Frees the head and, for a separate decoder, the decoder. */
  @Override
  public void close() {
    manager.close();
    if (kind == ValueModelKind.SEPARATE) {
      backbone.close();
    }
  }
}
