package dev.grpo.policy.lora;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.pytorch.jni.JniUtils;
import dev.grpo.policy.model.GraphConstants;
import dev.grpo.policy.model.ModelConfig;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * The adapters of one LoRA policy: per targeted linear layer, {@code A} (rank × in) and {@code B}
 * (out × rank), in float32, owned by their own manager. A fresh set is initialised like PEFT's
 * default ({@code init_lora_weights=True}): {@code A} Kaiming-uniform with {@code a = √5}, that is
 * U(−1/√in, 1/√in), and {@code B} zeros, so a fresh adapter leaves the model's outputs unchanged.
 *
 * <p>{@link #parameters()} are keyed by PEFT's tensor names ({@code
 * base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight}), which are also the optimizer
 * state's keys and the names in {@code adapter_model.safetensors}.
 */
public final class LoraAdapters implements AutoCloseable {

  /** PEFT's prefix of every adapter tensor name. */
  public static final String PEFT_PREFIX = "base_model.model.";

  private final LoraConfig config;
  private final NDManager manager;
  // by layer prefix (model.layers.0.self_attn.q_proj): {A, B}
  private final Map<String, NDArray[]> byLayer;
  private final Map<String, NDArray> parameters;

  private LoraAdapters(LoraConfig config, NDManager manager, Map<String, NDArray[]> byLayer) {
    this.config = config;
    this.manager = manager;
    this.byLayer = byLayer;
    Map<String, NDArray> named = new LinkedHashMap<>();
    byLayer.forEach(
        (prefix, ab) -> {
          named.put(loraAName(prefix), ab[0]);
          named.put(loraBName(prefix), ab[1]);
        });
    named.forEach((name, array) -> array.setName(name));
    this.parameters = Collections.unmodifiableMap(named);
  }

  /** PEFT's name of the {@code A} matrix of the layer at {@code prefix}. */
  public static String loraAName(String prefix) {
    return PEFT_PREFIX + prefix + ".lora_A.weight";
  }

  /** PEFT's name of the {@code B} matrix of the layer at {@code prefix}. */
  public static String loraBName(String prefix) {
    return PEFT_PREFIX + prefix + ".lora_B.weight";
  }

  /** The shape of every adapter tensor of a model, by PEFT name, in layer order. */
  public static Map<String, Shape> shapes(ModelConfig model, LoraConfig lora) {
    Map<String, Shape> shapes = new LinkedHashMap<>();
    for (int layer = 0; layer < model.numHiddenLayers(); layer++) {
      for (TargetModule m : TargetModule.values()) {
        if (lora.targetModules().contains(m.peftName())) {
          String prefix = m.prefix(layer);
          shapes.put(loraAName(prefix), new Shape(lora.rank(), m.in(model)));
          shapes.put(loraBName(prefix), new Shape(m.out(model), lora.rank()));
        }
      }
    }
    return shapes;
  }

  /**
   * Fresh adapters: {@code A} ~ U(−1/√in, 1/√in) from {@link Random} seeded by {@code seed} and the
   * tensor name (the same on every device and JDK), {@code B} = 0.
   */
  public static LoraAdapters init(ModelConfig model, LoraConfig lora, long seed, Device device) {
    NDManager manager = NDManager.newBaseManager(device);
    try {
      Map<String, NDArray> tensors = new LinkedHashMap<>();
      for (Map.Entry<String, Shape> e : shapes(model, lora).entrySet()) {
        Shape shape = e.getValue();
        float[] data = new float[Math.toIntExact(shape.size())];
        if (e.getKey().endsWith(".lora_A.weight")) {
          double bound = 1.0 / Math.sqrt(shape.get(1));
          Random random = new Random(seed * 1_000_003L + e.getKey().hashCode());
          for (int i = 0; i < data.length; i++) {
            data[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
          }
        }
        tensors.put(e.getKey(), manager.create(data, shape));
      }
      return of(model, lora, tensors, manager);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /**
   * Adapters from tensors with PEFT names (every one {@link #shapes} expects, nothing else); the
   * arrays are copied into a new manager on {@code device}.
   */
  public static LoraAdapters fromTensors(
      ModelConfig model, LoraConfig lora, Map<String, NDArray> tensors, Device device) {
    NDManager manager = NDManager.newBaseManager(device);
    try {
      Map<String, NDArray> copies = new LinkedHashMap<>();
      for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
        // a copy libtorch owns: decoded safetensors arrays view the decoder's buffers
        NDArray copy =
            e.getValue().toType(DataType.FLOAT32, false).toDevice(device, false).duplicate();
        copy.attach(manager);
        copies.put(e.getKey(), copy);
      }
      return of(model, lora, copies, manager);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  private static LoraAdapters of(
      ModelConfig model, LoraConfig lora, Map<String, NDArray> tensors, NDManager manager) {
    Map<String, Shape> expected = shapes(model, lora);
    Map<String, NDArray[]> byLayer = new LinkedHashMap<>();
    for (Map.Entry<String, Shape> e : expected.entrySet()) {
      NDArray array = tensors.get(e.getKey());
      if (array == null) {
        throw new IllegalArgumentException("missing adapter tensor " + e.getKey());
      }
      if (!array.getShape().equals(e.getValue())) {
        throw new IllegalArgumentException(
            "adapter tensor %s has shape %s, expected %s"
                .formatted(e.getKey(), array.getShape(), e.getValue()));
      }
      String name = e.getKey();
      String prefix =
          name.substring(PEFT_PREFIX.length(), name.length() - ".lora_A.weight".length());
      byLayer
              .computeIfAbsent(prefix, p -> new NDArray[2])[
              name.endsWith(".lora_A.weight") ? 0 : 1] =
          array;
    }
    for (String name : tensors.keySet()) {
      if (!expected.containsKey(name)) {
        throw new IllegalArgumentException("unexpected adapter tensor " + name);
      }
    }
    return new LoraAdapters(lora, manager, byLayer);
  }

  public LoraConfig config() {
    return config;
  }

  /** The trainable tensors by PEFT name (unmodifiable; updated in place by an optimizer). */
  public Map<String, NDArray> parameters() {
    return parameters;
  }

  /**
   * Whether the layer at {@code prefix} (for example {@code model.layers.0.mlp.up_proj}) has one.
   */
  public boolean covers(String prefix) {
    return byLayer.containsKey(prefix);
  }

  /**
   * {@code base + scale · B(A(dropout(x)))} for the layer at {@code prefix}, or {@code base} when
   * it has no adapter. Dropout is active only while autograd records (the differentiated pass of a
   * training step), as PEFT's {@code lora_dropout} in {@code model.train()}; sampling and the
   * log-probs of the old and reference policies see the adapter without noise.
   *
   * @param x the layer's input (…, in)
   * @param base the frozen layer's output (…, out)
   */
  public NDArray apply(String prefix, NDArray x, NDArray base) {
    NDArray[] ab = byLayer.get(prefix);
    if (ab == null) {
      return base;
    }
    NDArray input = x;
    if (config.dropout() > 0 && JniUtils.isGradMode()) {
      input = Dropout.dropout(x, (float) config.dropout(), true).singletonOrThrow();
    }
    NDArray low = Linear.linear(input, ab[0]).singletonOrThrow();
    NDArray delta = Linear.linear(low, ab[1]).singletonOrThrow();
    return base.add(delta.mul(GraphConstants.constant(delta, config.scale())));
  }

  /**
   * The merged weights {@code W + scale · B · A} of every adapted layer, by Hugging Face weight
   * name ({@code model.layers.0.self_attn.q_proj.weight}), in {@code scope}.
   *
   * @param base the base model's parameters by Hugging Face name
   */
  public Map<String, NDArray> mergedWeights(Map<String, NDArray> base, NDManager scope) {
    Map<String, NDArray> merged = new LinkedHashMap<>();
    try (NDManager work = scope.newSubManager()) {
      for (Map.Entry<String, NDArray[]> e : byLayer.entrySet()) {
        String weightName = e.getKey() + ".weight";
        NDArray w = base.get(weightName);
        if (w == null) {
          throw new IllegalArgumentException("the base has no " + weightName);
        }
        NDArray product = e.getValue()[1].matMul(e.getValue()[0]);
        product.attach(work);
        NDArray sum = w.add(product.mul((float) config.scale()));
        sum.attach(scope);
        merged.put(weightName, sum);
      }
    }
    return merged;
  }

  /** Frees the adapters. */
  @Override
  public void close() {
    manager.close();
  }
}
