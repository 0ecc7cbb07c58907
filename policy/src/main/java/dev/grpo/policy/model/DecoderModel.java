package dev.grpo.policy.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.grpo.policy.lora.LoraAdapters;
import dev.grpo.policy.weights.SafetensorsWeights;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

/**
 * A Llama/Qwen2 decoder-only transformer written as explicit NDArray math over a map of parameters
 * with Hugging Face names, so that DJL's autograd ({@code GradientCollector}) differentiates it.
 *
 * <p>Memory: parameters live in the model's own manager. Every intermediate and output of {@link
 * #forward} and {@link #logProbs} lives in the manager of the input arrays (or the manager passed
 * in), so callers run each step inside a sub-manager they close afterwards.
 *
 * <p>Autograd: every scalar on the gradient path is a {@link GraphConstants} array, never {@code
 * op(Number)}, which in DJL 0.35.1 hands autograd a scalar borrowed from a Java buffer that the GC
 * may free before backward (see {@link GraphConstants}). {@link #forward} and {@link #logProbs} are
 * therefore safe to differentiate whenever garbage is collected ({@code PolicyGradientGcTest}).
 */
public final class DecoderModel implements AutoCloseable {

  /** File name of the weights inside a model folder. */
  public static final String WEIGHTS_FILE = "model.safetensors";

  /** File name of the configuration inside a model folder. */
  public static final String CONFIG_FILE = "config.json";

  private static final float MASKED = -1e9f;

  private final ModelConfig config;
  private final NDManager manager;
  private final Map<String, NDArray> parameters;
  private final RotaryEmbedding rotary;
  // LoRA adapters on some linear layers, owned by this model once attached; null for a plain model
  private volatile LoraAdapters adapters;

  // false for a view that shares another model's parameters and must not free them
  private final boolean ownsParameters;

  private DecoderModel(ModelConfig config, NDManager manager, Map<String, NDArray> parameters) {
    this(config, manager, parameters, true);
  }

  private DecoderModel(
      ModelConfig config,
      NDManager manager,
      Map<String, NDArray> parameters,
      boolean ownsParameters) {
    this.config = config;
    this.manager = manager;
    this.parameters = Collections.unmodifiableMap(parameters);
    this.rotary = new RotaryEmbedding(config.headDim(), config.ropeTheta());
    this.ownsParameters = ownsParameters;
  }

  /**
   * This model without its adapters: a view on the same (frozen) base parameters, no copy. A LoRA
   * run's KL reference is its base, so it costs no second set of weights. Closing the view frees
   * nothing; the view is valid while this model is open.
   */
  public DecoderModel baseView() {
    return new DecoderModel(config, manager, parameters, false);
  }

  /** The GPU when DJL finds one, otherwise the CPU. */
  public static Device defaultDevice() {
    return Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
  }

  /**
   * Expected parameter names and shapes, in Hugging Face order. {@code lm_head.weight} is absent
   * when the embeddings are tied.
   */
  public static Map<String, Shape> parameterShapes(ModelConfig c) {
    Map<String, Shape> shapes = new LinkedHashMap<>();
    long h = c.hiddenSize();
    long q = (long) c.numAttentionHeads() * c.headDim();
    long kv = (long) c.numKeyValueHeads() * c.headDim();
    long inter = c.intermediateSize();
    shapes.put("model.embed_tokens.weight", new Shape(c.vocabSize(), h));
    for (int i = 0; i < c.numHiddenLayers(); i++) {
      String p = "model.layers." + i + ".";
      shapes.put(p + "input_layernorm.weight", new Shape(h));
      shapes.put(p + "self_attn.q_proj.weight", new Shape(q, h));
      if (c.qkvBias()) {
        shapes.put(p + "self_attn.q_proj.bias", new Shape(q));
      }
      shapes.put(p + "self_attn.k_proj.weight", new Shape(kv, h));
      if (c.qkvBias()) {
        shapes.put(p + "self_attn.k_proj.bias", new Shape(kv));
      }
      shapes.put(p + "self_attn.v_proj.weight", new Shape(kv, h));
      if (c.qkvBias()) {
        shapes.put(p + "self_attn.v_proj.bias", new Shape(kv));
      }
      shapes.put(p + "self_attn.o_proj.weight", new Shape(h, q));
      if (c.outputBias()) {
        shapes.put(p + "self_attn.o_proj.bias", new Shape(h));
      }
      shapes.put(p + "post_attention_layernorm.weight", new Shape(h));
      shapes.put(p + "mlp.gate_proj.weight", new Shape(inter, h));
      shapes.put(p + "mlp.up_proj.weight", new Shape(inter, h));
      shapes.put(p + "mlp.down_proj.weight", new Shape(h, inter));
    }
    shapes.put("model.norm.weight", new Shape(h));
    if (!c.tieWordEmbeddings()) {
      shapes.put("lm_head.weight", new Shape(c.vocabSize(), h));
    }
    return shapes;
  }

  /** Deterministic random initialisation on {@link #defaultDevice()}. */
  public static DecoderModel randomInit(ModelConfig config, long seed) {
    return randomInit(config, seed, defaultDevice());
  }

  /**
   * Deterministic random initialisation: weights ~ N(0, 0.02²) drawn from {@link Random} seeded by
   * {@code seed} and the tensor name (so the same on every device and JDK), norms 1, biases 0.
   */
  public static DecoderModel randomInit(ModelConfig config, long seed, Device device) {
    NDManager manager = NDManager.newBaseManager(device);
    try {
      Map<String, NDArray> params = new LinkedHashMap<>();
      for (Map.Entry<String, Shape> e : parameterShapes(config).entrySet()) {
        String name = e.getKey();
        Shape shape = e.getValue();
        float[] data = new float[Math.toIntExact(shape.size())];
        if (name.endsWith("norm.weight")) {
          java.util.Arrays.fill(data, 1f);
        } else if (name.endsWith(".weight")) {
          Random random = new Random(seed * 1_000_003L + name.hashCode());
          for (int i = 0; i < data.length; i++) {
            data[i] = (float) (random.nextGaussian() * 0.02);
          }
        }
        NDArray array = manager.create(data, shape);
        array.setName(name);
        params.put(name, array);
      }
      return new DecoderModel(config, manager, params);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /** Loads {@code config.json} and the safetensors weights of a folder on the default device. */
  public static DecoderModel load(Path dir) {
    return load(dir, defaultDevice());
  }

  /**
   * Loads {@code config.json} and {@code model.safetensors} (or the shards listed by {@code
   * model.safetensors.index.json}) of a folder, as float32.
   */
  public static DecoderModel load(Path dir, Device device) {
    ModelConfig config = ModelConfig.fromJson(dir.resolve(CONFIG_FILE));
    NDManager manager = NDManager.newBaseManager(device);
    try {
      Map<String, NDArray> tensors = new LinkedHashMap<>();
      for (Path file : weightFiles(dir)) {
        tensors.putAll(SafetensorsWeights.readFloat32(file, manager));
      }
      return fromTensors(config, tensors, manager);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /**
   * Builds a model from tensors with Hugging Face names; the arrays are copied into a new manager
   * on {@code device}.
   */
  public static DecoderModel fromWeights(
      ModelConfig config, Map<String, NDArray> tensors, Device device) {
    NDManager manager = NDManager.newBaseManager(device);
    try {
      Map<String, NDArray> copies = new LinkedHashMap<>();
      for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
        NDArray copy = e.getValue().toDevice(device, true);
        copy.attach(manager);
        copies.put(e.getKey(), copy);
      }
      return fromTensors(config, copies, manager);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  private static DecoderModel fromTensors(
      ModelConfig config, Map<String, NDArray> tensors, NDManager manager) {
    Map<String, Shape> expected = parameterShapes(config);
    Map<String, NDArray> params = new LinkedHashMap<>();
    for (Map.Entry<String, Shape> e : expected.entrySet()) {
      NDArray array = tensors.remove(e.getKey());
      if (array == null) {
        throw new IllegalArgumentException("missing tensor " + e.getKey());
      }
      if (!array.getShape().equals(e.getValue())) {
        throw new IllegalArgumentException(
            "tensor "
                + e.getKey()
                + " has shape "
                + array.getShape()
                + ", expected "
                + e.getValue());
      }
      NDArray onDevice = array.toType(DataType.FLOAT32, false).toDevice(manager.getDevice(), false);
      onDevice.attach(manager);
      if (onDevice != array) {
        array.close();
      }
      onDevice.setName(e.getKey());
      params.put(e.getKey(), onDevice);
    }
    if (config.tieWordEmbeddings()) {
      NDArray head = tensors.remove("lm_head.weight");
      if (head != null) {
        head.close();
      }
    }
    tensors.keySet().removeIf(k -> k.endsWith("rotary_emb.inv_freq"));
    if (!tensors.isEmpty()) {
      throw new IllegalArgumentException("unexpected tensors: " + new TreeSet<>(tensors.keySet()));
    }
    return new DecoderModel(config, manager, params);
  }

  private static List<Path> weightFiles(Path dir) {
    Path single = dir.resolve(WEIGHTS_FILE);
    if (Files.exists(single)) {
      return List.of(single);
    }
    Path index = dir.resolve(WEIGHTS_FILE + ".index.json");
    try {
      JsonObject map =
          JsonParser.parseString(Files.readString(index, StandardCharsets.UTF_8))
              .getAsJsonObject()
              .getAsJsonObject("weight_map");
      TreeSet<String> shards = new TreeSet<>();
      map.entrySet().forEach(e -> shards.add(e.getValue().getAsString()));
      return shards.stream().map(dir::resolve).toList();
    } catch (IOException e) {
      throw new UncheckedIOException("no " + WEIGHTS_FILE + " nor readable index in " + dir, e);
    }
  }

  /** Writes {@code config.json} and {@code model.safetensors} (float32) into a folder. */
  public void save(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir, e);
    }
    config.writeJson(dir.resolve(CONFIG_FILE));
    SafetensorsWeights.write(parameters, dir.resolve(WEIGHTS_FILE));
  }

  /** The architecture. */
  public ModelConfig config() {
    return config;
  }

  /** Device of the parameters. */
  public Device device() {
    return manager.getDevice();
  }

  /** Manager owning the parameters. */
  public NDManager manager() {
    return manager;
  }

  /**
   * Parameters by Hugging Face name (unmodifiable; the arrays themselves can be updated in place by
   * an optimiser). Tied models have no {@code lm_head.weight}.
   */
  public Map<String, NDArray> parameters() {
    return parameters;
  }

  /**
   * Attaches LoRA adapters: from now on every adapted layer computes {@code W·x + scale·B·A·x}, the
   * base weights are frozen (their gradients turned off) and {@link #trainableParameters} are the
   * adapters'. The model owns the adapters and closes them with itself.
   *
   * @throws IllegalStateException when adapters are attached already
   */
  public synchronized void attachAdapters(LoraAdapters lora) {
    if (adapters != null) {
      throw new IllegalStateException("adapters are attached already");
    }
    parameters.values().forEach(p -> p.setRequiresGradient(false));
    adapters = lora;
  }

  /** The attached LoRA adapters, or null for a plain model. */
  public LoraAdapters adapters() {
    return adapters;
  }

  /**
   * What an optimizer updates: the adapters' tensors (PEFT names) when adapters are attached, else
   * every parameter (Hugging Face names).
   */
  public Map<String, NDArray> trainableParameters() {
    LoraAdapters lora = adapters;
    return lora != null ? lora.parameters() : parameters;
  }

  /**
   * Turns gradient tracking of the {@link #trainableParameters} on or off; the base of a LoRA model
   * stays frozen.
   */
  public void setRequiresGradient(boolean requiresGradient) {
    trainableParameters().values().forEach(p -> p.setRequiresGradient(requiresGradient));
  }

  /**
   * A plain model holding the merged weights {@code W + scale·B·A} of every adapted layer (the
   * base's weights elsewhere), on this model's device: the adapters folded in for export. Without
   * adapters, a copy.
   */
  public DecoderModel merged() {
    try (NDManager scope = manager.newSubManager()) {
      Map<String, NDArray> weights = new LinkedHashMap<>();
      for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
        // a libtorch copy: fromWeights may alias a same-device array and move it to the new model
        NDArray copy = e.getValue().duplicate();
        copy.attach(scope);
        weights.put(e.getKey(), copy);
      }
      LoraAdapters lora = adapters;
      if (lora != null) {
        weights.putAll(lora.mergedWeights(parameters, scope));
      }
      return fromWeights(config, weights, manager.getDevice());
    }
  }

  /**
   * Sets every parameter gradient to zero. DJL's PyTorch engine adds each backward pass to the
   * existing gradients, so call this before (or after) every optimisation step.
   */
  public void zeroGradients() {
    for (NDArray p : trainableParameters().values()) {
      if (p.hasGradient()) {
        try (NDArray gradient = p.getGradient()) {
          gradient.subi(gradient);
        }
      }
    }
  }

  /** Logits (batch, time, vocab) of unpadded sequences, without cache. */
  public NDArray logits(NDArray inputIds) {
    return forward(inputIds, null, null, null).logits();
  }

  /**
   * The forward pass.
   *
   * @param inputIds (batch, time) token ids of the new positions
   * @param attentionMask (batch, cached + time), 1 for real tokens and 0 for padding; null when
   *     nothing is padded
   * @param positionIds (batch, time) positions of the new tokens; null to derive them from the
   *     attention mask ({@code cumsum - 1}, as Hugging Face does) or, without a mask, from the
   *     cache length
   * @param cache keys and values of earlier positions ({@link KvCache#empty} to start one), or null
   *     to run without a cache
   */
  public ForwardOutput forward(
      NDArray inputIds, NDArray attentionMask, NDArray positionIds, KvCache cache) {
    Hidden hidden = hiddenStates(inputIds, attentionMask, positionIds, cache);
    return new ForwardOutput(lmHead(hidden.states()), hidden.cache());
  }

  /**
   * Like {@link #forward} but applies the output head to the last position only, so the logits are
   * (batch, 1, vocab). Generation needs nothing else, and on a prefill of {@code time} positions
   * this skips {@code time - 1} vocabulary-sized projections.
   */
  public ForwardOutput forwardLastPosition(
      NDArray inputIds, NDArray attentionMask, NDArray positionIds, KvCache cache) {
    Hidden hidden = hiddenStates(inputIds, attentionMask, positionIds, cache);
    NDArray last = hidden.states().get(":, -1:, :");
    return new ForwardOutput(lmHead(last), hidden.cache());
  }

  /**
   * A {@link DecodeSession} for generating with this model's current weights: fused projections,
   * preallocated key/value buffers of {@code capacity} positions per row. Close it when done.
   *
   * @param capacity the longest prompt plus the tokens to generate
   */
  public DecodeSession decodeSession(int capacity) {
    return new DecodeSession(this, capacity);
  }

  /**
   * The final (normed) hidden states (batch, time, hidden) of a right-padded batch, without cache:
   * what a head other than the language-model head reads (a reward model's score head).
   *
   * @param attentionMask (batch, time), 1 for real tokens and 0 for padding; null when nothing is
   *     padded
   */
  public NDArray lastHiddenStates(NDArray inputIds, NDArray attentionMask) {
    return hiddenStates(inputIds, attentionMask, null, null).states();
  }

  private record Hidden(NDArray states, KvCache cache) {}

  private Hidden hiddenStates(
      NDArray inputIds, NDArray attentionMask, NDArray positionIds, KvCache cache) {
    if (inputIds.getShape().dimension() != 2) {
      throw new IllegalArgumentException("inputIds must be (batch, time): " + inputIds.getShape());
    }
    NDManager scope = inputIds.getManager();
    long batch = inputIds.getShape().get(0);
    int time = Math.toIntExact(inputIds.getShape().get(1));
    int past = cache == null ? 0 : cache.length();
    int total = past + time;
    if (cache != null && cache.numLayers() != config.numHiddenLayers()) {
      throw new IllegalArgumentException("cache has " + cache.numLayers() + " layers");
    }
    if (attentionMask != null && !attentionMask.getShape().equals(new Shape(batch, (long) total))) {
      throw new IllegalArgumentException(
          "attentionMask must be (" + batch + ", " + total + "): " + attentionMask.getShape());
    }
    NDArray ids = inputIds.toType(DataType.INT64, false);
    if (positionIds == null) {
      if (attentionMask != null) {
        NDArray cumulative = attentionMask.toType(DataType.INT64, false).cumSum(1).sub(1);
        positionIds = cumulative.get(":, " + past + ":").clip(0, Long.MAX_VALUE);
      } else {
        positionIds = scope.arange(past, total).toType(DataType.INT64, false).expandDims(0);
        positionIds = positionIds.broadcast(new Shape(batch, time));
      }
    }
    NDArray mask = additiveMask(scope, attentionMask, past, time);
    NDArray[] cosSin = rotary.cosSin(positionIds);

    NDArray x =
        Embedding.embedding(ids, param("model.embed_tokens.weight"), SparseFormat.DENSE)
            .singletonOrThrow();
    Constants c = constants(x);
    NDArray[] newKeys = new NDArray[config.numHiddenLayers()];
    NDArray[] newValues = new NDArray[config.numHiddenLayers()];
    for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
      String p = "model.layers." + layer + ".";
      NDArray h = rmsNorm(x, param(p + "input_layernorm.weight"), c);
      NDArray q = heads(linear(h, p + "self_attn.q_proj"), config.numAttentionHeads());
      NDArray k = heads(linear(h, p + "self_attn.k_proj"), config.numKeyValueHeads());
      NDArray v = heads(linear(h, p + "self_attn.v_proj"), config.numKeyValueHeads());
      q = RotaryEmbedding.apply(q, cosSin[0], cosSin[1]);
      k = RotaryEmbedding.apply(k, cosSin[0], cosSin[1]);
      if (cache != null && past > 0) {
        k = cache.keys(layer).concat(k, 2);
        v = cache.values(layer).concat(v, 2);
        k.attach(scope);
        v.attach(scope);
      }
      newKeys[layer] = k;
      newValues[layer] = v;
      NDArray attended = attention(q, k, v, mask, c.scale());
      NDArray merged =
          attended
              .transpose(0, 2, 1, 3)
              .reshape(batch, time, (long) config.numAttentionHeads() * config.headDim());
      x = x.add(linear(merged, p + "self_attn.o_proj"));
      NDArray h2 = rmsNorm(x, param(p + "post_attention_layernorm.weight"), c);
      NDArray gate = linear(h2, p + "mlp.gate_proj");
      NDArray up = linear(h2, p + "mlp.up_proj");
      NDArray act = gate.mul(Activation.sigmoid(gate)).mul(up);
      x = x.add(linear(act, p + "mlp.down_proj"));
    }
    KvCache next = cache == null ? null : KvCache.of(newKeys, newValues);
    return new Hidden(rmsNorm(x, param("model.norm.weight"), c), next);
  }

  /**
   * The scalars of a forward pass, made once per pass as {@link GraphConstants} (never {@code
   * op(Number)}: autograd keeps {@code pow}'s exponent and {@code mul}'s factor for backward).
   */
  private record Constants(NDArray eps, NDArray minusOne, NDArray scale) {}

  private Constants constants(NDArray like) {
    return new Constants(
        GraphConstants.constant(like, (float) config.rmsNormEps()),
        GraphConstants.constant(like, -1f),
        GraphConstants.constant(like, (float) (1.0 / Math.sqrt(config.headDim()))));
  }

  private NDArray lmHead(NDArray hidden) {
    String name = config.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight";
    return Linear.linear(hidden, param(name)).singletonOrThrow();
  }

  /**
   * Scaled dot-product attention with grouped-query heads. Query head {@code h} uses key/value head
   * {@code h / group} (Hugging Face's {@code repeat_kv}), but instead of copying every cached key
   * and value {@code group} times per layer and step, the queries of a group are stacked along the
   * time axis: (batch, kvHeads, group * time, dim) against (batch, kvHeads, length, dim).
   *
   * @param q (batch, heads, time, dim)
   * @param k (batch, kvHeads, length, dim)
   * @param v (batch, kvHeads, length, dim)
   * @param mask additive, (batch or 1, 1, time, length)
   * @param scale {@code 1 / sqrt(headDim)} as a {@link GraphConstants graph constant}
   * @return (batch, heads, time, dim)
   */
  private NDArray attention(NDArray q, NDArray k, NDArray v, NDArray mask, NDArray scale) {
    int group = config.groupSize();
    if (group == 1) {
      NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale).add(mask);
      return scores.softmax(-1).matMul(v);
    }
    Shape qs = q.getShape();
    long batch = qs.get(0);
    long time = qs.get(2);
    long dim = qs.get(3);
    long kvHeads = config.numKeyValueHeads();
    long length = k.getShape().get(2);
    NDArray stacked = q.reshape(batch, kvHeads, group * time, dim);
    NDArray scores =
        stacked
            .matMul(k.transpose(0, 1, 3, 2))
            .mul(scale)
            .reshape(batch, kvHeads, group, time, length)
            .add(mask.expandDims(2))
            .softmax(-1)
            .reshape(batch, kvHeads, group * time, length);
    return scores.matMul(v).reshape(batch, kvHeads * group, time, dim);
  }

  /** (batch, time, heads * dim) to (batch, heads, time, dim). */
  private NDArray heads(NDArray projected, int numHeads) {
    Shape s = projected.getShape();
    return projected.reshape(s.get(0), s.get(1), numHeads, config.headDim()).transpose(0, 2, 1, 3);
  }

  /**
   * Additive mask (batch or 1, 1, time, past + time): 0 where allowed, -1e9 elsewhere. Never
   * requires a gradient, so {@code op(Number)} is fine here.
   */
  private static NDArray additiveMask(NDManager scope, NDArray attentionMask, int past, int time) {
    int total = past + time;
    NDArray queryIndex = scope.arange(past, total).expandDims(1);
    NDArray keyIndex = scope.arange(0, total).expandDims(0);
    NDArray allowed = keyIndex.lte(queryIndex).expandDims(0).expandDims(0);
    if (attentionMask != null) {
      NDArray keyOk = attentionMask.toType(DataType.FLOAT32, false).gt(0.5f);
      allowed = allowed.logicalAnd(keyOk.expandDims(1).expandDims(1));
    }
    return allowed.toType(DataType.FLOAT32, false).sub(1f).mul(-MASKED);
  }

  /** {@code x · (mean(x²) + eps)^-1/2 · weight}, with the scalars of {@code c}. */
  private static NDArray rmsNorm(NDArray x, NDArray weight, Constants c) {
    NDArray variance = x.square().mean(new int[] {-1}, true);
    return x.mul(variance.add(c.eps()).sqrt().pow(c.minusOne())).mul(weight);
  }

  private NDArray linear(NDArray x, String prefix) {
    NDArray bias = parameters.get(prefix + ".bias");
    NDArray weight = param(prefix + ".weight");
    NDArray out =
        (bias == null ? Linear.linear(x, weight) : Linear.linear(x, weight, bias))
            .singletonOrThrow();
    LoraAdapters lora = adapters;
    return lora == null ? out : lora.apply(prefix, x, out);
  }

  private NDArray param(String name) {
    NDArray p = parameters.get(name);
    if (p == null) {
      throw new IllegalStateException("no parameter " + name);
    }
    return p;
  }

  /** {@link #logProbs(List, List, float, NDManager)} at temperature 1. */
  public TokenLogProbs logProbs(List<int[]> prompts, List<int[]> completions, NDManager scope) {
    return logProbs(prompts, completions, 1f, scope);
  }

  /**
   * Per-token log-probabilities and entropies of completions given prompts, in one right-padded
   * batch. Padding does not change the values: every sequence keeps positions 0.. and its tokens
   * only attend to earlier tokens of the same sequence.
   *
   * @param prompts token ids of each prompt (at least one token each)
   * @param completions token ids of each completion (may be empty)
   * @param temperature logits are divided by it (a {@link GraphConstants graph constant}) before
   *     the softmax
   * @param scope manager that owns the results and intermediates (close it after backward)
   */
  public TokenLogProbs logProbs(
      List<int[]> prompts, List<int[]> completions, float temperature, NDManager scope) {
    if (!(temperature > 0)) {
      throw new IllegalArgumentException("temperature must be positive");
    }
    CompletionStates states = completionStates(prompts, completions, scope);
    NDArray logits = lmHead(states.hidden());
    if (temperature != 1f) {
      logits = logits.div(GraphConstants.constant(logits, temperature));
    }
    NDArray logSoftmax = logits.logSoftmax(-1);
    NDArray m = states.mask();
    NDArray logProbs = logSoftmax.gather(states.targets(), -1).squeeze(-1).mul(m);
    NDArray entropy = logSoftmax.exp().mul(logSoftmax).sum(new int[] {-1}).neg().mul(m);
    return new TokenLogProbs(logProbs, entropy, m);
  }

  /**
   * The final hidden states (after the last norm) at the positions that predict each completion
   * token: column {@code j} of row {@code i} is the state of prompt + completion[..j), the state a
   * value model scores (TRL's and verl's critics read the same positions as the log-probs).
   *
   * @param hidden (batch, maxCompletionLength, hiddenSize), connected to the autograd graph
   * @param mask (batch, maxCompletionLength) 1 for real completion tokens, 0 for padding
   * @param targets (batch, maxCompletionLength, 1) the completion token ids (0 for padding)
   */
  public record CompletionStates(NDArray hidden, NDArray mask, NDArray targets) {}

  /** {@link CompletionStates} of completions given prompts, in one right-padded batch. */
  public CompletionStates completionStates(
      List<int[]> prompts, List<int[]> completions, NDManager scope) {
    if (prompts.size() != completions.size() || prompts.isEmpty()) {
      throw new IllegalArgumentException("need as many prompts as completions, at least one");
    }
    int batch = prompts.size();
    int length = 0;
    int maxCompletion = 1;
    for (int i = 0; i < batch; i++) {
      if (prompts.get(i).length == 0) {
        throw new IllegalArgumentException("prompt " + i + " is empty (prepend a BOS token)");
      }
      length = Math.max(length, prompts.get(i).length + completions.get(i).length);
      maxCompletion = Math.max(maxCompletion, completions.get(i).length);
    }
    long[] ids = new long[batch * length];
    float[] attention = new float[batch * length];
    long[] gatherIndex = new long[batch * maxCompletion];
    long[] targets = new long[batch * maxCompletion];
    float[] completionMask = new float[batch * maxCompletion];
    for (int i = 0; i < batch; i++) {
      int[] prompt = prompts.get(i);
      int[] completion = completions.get(i);
      for (int t = 0; t < prompt.length; t++) {
        ids[i * length + t] = prompt[t];
        attention[i * length + t] = 1f;
      }
      for (int t = 0; t < completion.length; t++) {
        ids[i * length + prompt.length + t] = completion[t];
        attention[i * length + prompt.length + t] = 1f;
      }
      for (int j = 0; j < maxCompletion; j++) {
        boolean real = j < completion.length;
        gatherIndex[i * maxCompletion + j] = real ? prompt.length - 1 + j : 0;
        targets[i * maxCompletion + j] = real ? completion[j] : 0;
        completionMask[i * maxCompletion + j] = real ? 1f : 0f;
      }
    }
    Device device = manager.getDevice();
    NDArray inputIds = scope.create(ids, new Shape(batch, length)).toDevice(device, false);
    NDArray mask = scope.create(attention, new Shape(batch, length)).toDevice(device, false);
    NDArray index = scope.create(gatherIndex, new Shape(batch, maxCompletion, 1));
    NDArray hidden = hiddenStates(inputIds, mask, null, null).states();
    long width = hidden.getShape().get(2);
    NDArray picked =
        hidden.gather(index.toDevice(device, false).broadcast(batch, maxCompletion, width), 1);
    NDArray target =
        scope.create(targets, new Shape(batch, maxCompletion, 1)).toDevice(device, false);
    // The mask is kept by autograd (for the backward of mul) and handed to the caller, who may
    // close it before backward: a libtorch-owned copy rather than the borrowed Java buffer.
    // (duplicate() allocates in libtorch and copies; toDevice to the same device would alias.)
    NDArray m;
    try (NDArray borrowed = scope.create(completionMask, new Shape(batch, maxCompletion))) {
      m = borrowed.duplicate();
    }
    m = m.toDevice(device, false);
    return new CompletionStates(picked, m, target);
  }

  /** Frees the parameters (and the attached adapters). */
  @Override
  public void close() {
    if (!ownsParameters) {
      return;
    }
    LoraAdapters lora = adapters;
    if (lora != null) {
      lora.close();
    }
    manager.close();
  }
}
