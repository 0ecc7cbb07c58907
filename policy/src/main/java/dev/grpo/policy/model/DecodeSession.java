package dev.grpo.policy.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.grpo.policy.lora.LoraAdapters;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Token-by-token generation for a batch of rows: one prefill of the (left-padded) prompts, then one
 * position per {@link #decode} call; inference only (no autograd).
 *
 * <p>It computes what {@link DecoderModel#forwardLastPosition} computes with a {@link KvCache}, in
 * fewer native calls per step: at generation's sizes a step costs mostly the number of libtorch
 * calls (each a few microseconds through JNI), not their arithmetic. A layer's decode step is 40
 * calls here, against about 65 for the training forward and 55 for PyTorch eager's reference.
 *
 * <ul>
 *   <li><b>Fused weights</b>, made once per session from the model's parameters (with LoRA adapters
 *       attached, their merged weights {@code W + scale·B·A}): one matrix for q, k and v, one for
 *       gate and up. A layer runs four matrix products instead of seven.
 *   <li><b>Folded constants</b>: each RMS norm's weight is folded into the columns of the matrix
 *       that reads it ({@code W·diag(g)}), the attention scale {@code 1/sqrt(headDim)} into the
 *       query rows.
 *   <li><b>Rotary embedding in four calls</b> on queries and keys together: with each head seen as
 *       its two halves, {@code rotate_half(y)·sin} is {@code flip(y)·[-sin, sin]}, the signed sines
 *       tabulated once per session with the cosines, for every position, and read per step by one
 *       lookup.
 *   <li><b>Preallocated key/value buffers</b> per layer, keys transposed {@code (batch, kvHeads,
 *       headDim, capacity)} for {@code q·kᵀ}, values {@code (batch, kvHeads, capacity, headDim)}: a
 *       step writes one position in place and attends over a view of the filled part, where a
 *       concatenated cache copies every earlier position again at every step.
 *   <li>The additive padding mask made once and viewed per step; hidden states kept {@code (batch,
 *       hidden)} between layers, so that a residual enters its matrix product as the 2-D bias of
 *       one {@code addmm}.
 * </ul>
 *
 * <p>The folds change float rounding only (products summed in another order, about 1e-6 relative),
 * so decode steps agree with {@link DecoderModel#forwardLastPosition} to that precision and greedy
 * tokens stay those of PyTorch ({@code DecodeSessionTest}, {@code GreedyParityTest}).
 *
 * <p>Memory: the fused q/k/v and gate/up weights are a second copy of those matrices while the
 * session is open (o and down are views of the parameters); the buffers hold {@code capacity}
 * positions for every row from the start. All of it belongs to the session's manager, and {@link
 * #close} frees it.
 *
 * <p>Requires DJL's PyTorch engine (views and in-place writes go through its {@link JniUtils}). Not
 * thread-safe.
 */
public final class DecodeSession implements AutoCloseable {

  private static final float MASKED = 1e9f;

  private final DecoderModel model;
  private final ModelConfig config;
  private final NDManager manager;
  private final Layer[] layers;
  // the output head with the final norm's weight folded in, (vocab, hidden)
  private final NDArray head;
  // (capacity, 2 * headDim): per position, the rotary cosines, then the sines with the first half
  // negated
  private final NDArray rotaryTable;
  private final NDArray eps;
  private final int capacity;
  private final int heads;
  private final int kvHeads;
  private final int headDim;

  // per layer, keys transposed (batch, kvHeads, headDim, capacity), ready for q·kᵀ
  private NDArray[] keys;
  // per layer, (batch, kvHeads, capacity, headDim)
  private NDArray[] values;
  // (batch, 1, 1, capacity): 0 where a row may attend, -1e9 on its left padding
  private NDArray additiveMask;
  private int batch;
  private int length;

  /**
   * One layer's weights, fused and folded.
   *
   * @param attention rows [q·s | k | v | R·q·s | R·k] (s = 1/sqrt(headDim)), columns scaled by the
   *     input norm's weight
   * @param attentionBias the same rows of the q/k/v biases, or null
   * @param mlp rows [gate | up], columns scaled by the post-attention norm's weight
   */
  private record Layer(
      NDArray attention,
      NDArray attentionBias,
      NDArray out,
      NDArray outBias,
      NDArray mlp,
      NDArray down) {}

  /**
   * @param model the policy; its parameters (and adapters) are read now, so a session sees the
   *     weights of the moment it was opened
   * @param capacity positions per row the session can hold: the longest prompt plus the tokens to
   *     generate; at most {@code max_position_embeddings}
   */
  DecodeSession(DecoderModel model, int capacity) {
    this.model = model;
    this.config = model.config();
    if (capacity < 1 || capacity > config.maxPositionEmbeddings()) {
      throw new IllegalArgumentException(
          "capacity must be in 1.." + config.maxPositionEmbeddings() + ": " + capacity);
    }
    this.capacity = capacity;
    this.heads = config.numAttentionHeads();
    this.kvHeads = config.numKeyValueHeads();
    this.headDim = config.headDim();
    this.manager = model.manager().newSubManager();
    try {
      layers = new Layer[config.numHiddenLayers()];
      try (NDManager work = manager.newSubManager()) {
        // views of the parameters owned by the work scope, so that what is computed from them
        // lands there (a libtorch op's result joins the manager of its first operand)
        Map<String, NDArray> weights = new HashMap<>();
        model.parameters().forEach((name, p) -> weights.put(name, viewIn(p, work)));
        LoraAdapters lora = model.adapters();
        if (lora != null) {
          weights.putAll(lora.mergedWeights(model.parameters(), work));
        }
        for (int i = 0; i < layers.length; i++) {
          layers[i] = fuse(weights, "model.layers." + i + ".");
        }
        String headName =
            config.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight";
        head = kept(weights.get(headName).mul(weights.get("model.norm.weight")));
        NDArray positions = work.arange(0, capacity).toType(DataType.INT64, false).expandDims(0);
        NDArray[] cosSin = new RotaryEmbedding(headDim, config.ropeTheta()).cosSin(positions);
        // sin's two halves are equal; the first is negated: rotate_half(y)·sin = swap(y)·[-s, s]
        NDList sinHalves = cosSin[1].split(2, 3);
        NDArray signedSin = sinHalves.get(0).neg().concat(sinHalves.get(1), 3);
        rotaryTable = kept(cosSin[0].concat(signedSin, -1).reshape(capacity, 2L * headDim));
      }
      eps = GraphConstants.constant(rotaryTable, (float) config.rmsNormEps());
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  private Layer fuse(Map<String, NDArray> w, String p) {
    String attn = p + "self_attn.";
    NDArray scale =
        GraphConstants.constant(w.get(attn + "q_proj.weight"), 1.0 / Math.sqrt(headDim));
    NDArray q = w.get(attn + "q_proj.weight").mul(scale);
    NDArray k = w.get(attn + "k_proj.weight");
    NDArray inputNorm = w.get(p + "input_layernorm.weight");
    NDArray attention =
        NDArrays.concat(new NDList(q, k, w.get(attn + "v_proj.weight")), 0).mul(inputNorm);
    NDArray attentionBias = null;
    if (config.qkvBias()) {
      attentionBias =
          kept(
              NDArrays.concat(
                  new NDList(
                      w.get(attn + "q_proj.bias").mul(scale),
                      w.get(attn + "k_proj.bias"),
                      w.get(attn + "v_proj.bias")),
                  0));
    }
    NDArray mlp =
        NDArrays.concat(
                new NDList(w.get(p + "mlp.gate_proj.weight"), w.get(p + "mlp.up_proj.weight")), 0)
            .mul(w.get(p + "post_attention_layernorm.weight"));
    NDArray outBias = w.get(attn + "o_proj.bias");
    return new Layer(
        kept(attention),
        attentionBias,
        kept(w.get(attn + "o_proj.weight")),
        outBias == null ? null : kept(outBias),
        kept(mlp),
        kept(w.get(p + "mlp.down_proj.weight")));
  }

  /** A view of {@code array} (no copy) owned by {@code owner}. */
  private static NDArray viewIn(NDArray array, NDManager owner) {
    return slice(array, 0, array.getShape().get(0), owner);
  }

  /**
   * Moves an array made from the model's weights into this session's manager; a view of a parameter
   * stays a view.
   */
  private NDArray kept(NDArray array) {
    array.attach(manager);
    return array;
  }

  /** Number of rows decoding. */
  public int batchSize() {
    return batch;
  }

  /** Positions filled per row (padding included). */
  public int length() {
    return length;
  }

  /**
   * Runs the prompts and fills the buffers.
   *
   * @param inputIds (batch, width) left-padded token ids
   * @param attentionMask (batch, width) 1 for real tokens, 0 for padding
   * @param positionIds (batch, width) position of each token (0 at a row's first real token)
   * @return the next-token logits, row-major (batch × vocab)
   */
  public float[] prefill(NDArray inputIds, NDArray attentionMask, NDArray positionIds) {
    int width = Math.toIntExact(inputIds.getShape().get(1));
    if (width > capacity) {
      throw new IllegalArgumentException("prompts of " + width + " exceed capacity " + capacity);
    }
    closeBuffers();
    batch = Math.toIntExact(inputIds.getShape().get(0));
    keys = new NDArray[layers.length];
    values = new NDArray[layers.length];
    try (NDManager step = manager.newSubManager()) {
      ForwardOutput out =
          model.forwardLastPosition(
              inputIds, attentionMask, positionIds, KvCache.empty(layers.length));
      long[] origin = {0, 0, 0, 0};
      long[] keyBlock = {batch, kvHeads, headDim, width};
      long[] valueBlock = {batch, kvHeads, width, headDim};
      for (int layer = 0; layer < layers.length; layer++) {
        // left uninitialised: a step reads only the positions written before it
        keys[layer] = manager.create(new Shape(batch, kvHeads, headDim, capacity));
        values[layer] = manager.create(new Shape(batch, kvHeads, capacity, headDim));
        write(keys[layer], out.cache().keys(layer).transpose(0, 1, 3, 2), origin, keyBlock);
        write(values[layer], out.cache().values(layer), origin, valueBlock);
      }
      NDArray padding = attentionMask.toType(DataType.FLOAT32, true).sub(1f).mul(MASKED);
      padding.attach(step);
      NDArray mask =
          capacity > width
              ? padding.concat(step.zeros(new Shape(batch, capacity - width)), 1)
              : padding;
      additiveMask = mask.reshape(batch, 1, 1, capacity).toDevice(model.device(), false);
      additiveMask.attach(manager);
      length = width;
      return hostLogits(out.logits());
    }
  }

  /**
   * Feeds one token per row and returns the next-token logits, row-major (batch × vocab).
   *
   * @param tokenIds the token each row appends
   * @param positions its position id in its row
   */
  public float[] decode(long[] tokenIds, long[] positions) {
    if (tokenIds.length != batch || positions.length != batch) {
      throw new IllegalArgumentException("need one token and position per row (" + batch + ")");
    }
    if (length >= capacity) {
      throw new IllegalStateException("the session is full (" + capacity + " positions)");
    }
    int filled = length + 1;
    long half = headDim / 2;
    long[] keyAt = {0, 0, 0, length};
    long[] keyColumn = {batch, kvHeads, headDim, filled};
    long[] valueAt = {0, 0, length, 0};
    long[] valueRow = {batch, kvHeads, filled, headDim};
    try (NDManager step = manager.newSubManager()) {
      NDArray ids = step.create(tokenIds).toDevice(model.device(), false);
      NDArray pos = step.create(positions, new Shape(batch, 1)).toDevice(model.device(), false);
      NDArray x = embedding(ids, model.parameters().get("model.embed_tokens.weight"));
      // (batch, 1, 2, headDim/2) each: broadcast over the heads of (batch, heads, 2, headDim/2)
      NDList cosSin = embedding(pos, rotaryTable).reshape(batch, 1, 4, half).split(2, 2);
      NDArray cos = cosSin.get(0);
      NDArray signedSin = cosSin.get(1);
      NDArray mask = slice(additiveMask, 3, filled, step);
      for (int i = 0; i < layers.length; i++) {
        Layer layer = layers[i];
        // (batch, heads + 2·kvHeads, 2, headDim/2) → [q k | v], each head in its two halves
        NDList qkAndV =
            linear(normalized(x), layer.attention(), layer.attentionBias())
                .reshape(batch, heads + 2L * kvHeads, 2, half)
                .split(new long[] {heads + kvHeads}, 1);
        NDArray qk = qkAndV.get(0);
        // y·cos + rotate_half(y)·sin, rotate_half(y) = [-y2, y1]: the halves swapped, signs in sin
        NDList qAndK = qk.mul(cos).add(qk.flip(2).mul(signedSin)).split(new long[] {heads}, 1);
        write(keys[i], qAndK.get(1).reshape(batch, kvHeads, headDim, 1), keyAt, keyColumn);
        write(values[i], qkAndV.get(1).reshape(batch, kvHeads, 1, headDim), valueAt, valueRow);
        // the query heads of one key/value head side by side: (batch, kvHeads, group, dim)
        NDArray q = qAndK.get(0).reshape(batch, kvHeads, config.groupSize(), headDim);
        NDArray attended =
            q.matMul(slice(keys[i], 3, filled, step))
                .add(mask)
                .softmax(-1)
                .matMul(slice(values[i], 2, filled, step))
                .reshape(batch, (long) heads * headDim);
        // the residual enters as the product's 2-D bias: one addmm (x + a·Wᵀ) instead of two calls
        NDArray residual = layer.outBias() == null ? x : x.add(layer.outBias());
        x = linear(attended, layer.out(), residual);
        NDList gateUp = linear(normalized(x), layer.mlp(), null).split(2, 1);
        NDArray gate = gateUp.get(0);
        x = linear(gate.mul(Activation.sigmoid(gate)).mul(gateUp.get(1)), layer.down(), x);
      }
      length = filled;
      return hostLogits(linear(normalized(x), head, null));
    }
  }

  /**
   * Keeps (or repeats) the rows {@code rows[0..count)}, in that order: fans a prefill out to
   * several samples per prompt, or drops finished rows so they stop costing work.
   */
  public void selectRows(long[] rows, int count) {
    try (NDArray index = manager.create(Arrays.copyOf(rows, count))) {
      NDIndex pick = new NDIndex("{}", index.toDevice(model.device(), false));
      for (int layer = 0; layer < layers.length; layer++) {
        keys[layer] = replace(keys[layer], keys[layer].get(pick));
        values[layer] = replace(values[layer], values[layer].get(pick));
      }
      additiveMask = replace(additiveMask, additiveMask.get(pick));
      batch = count;
    }
  }

  private NDArray replace(NDArray old, NDArray replacement) {
    replacement.attach(manager);
    old.close();
    return replacement;
  }

  /** {@code x · (mean(x²) + eps)^-1/2}; the norm's weight is folded into the next matrix. */
  private NDArray normalized(NDArray x) {
    return x.div(x.square().mean(new int[] {-1}, true).add(eps).sqrt());
  }

  private static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
    return (bias == null ? Linear.linear(x, weight) : Linear.linear(x, weight, bias))
        .singletonOrThrow();
  }

  private static NDArray embedding(NDArray ids, NDArray table) {
    return Embedding.embedding(ids, table, SparseFormat.DENSE).singletonOrThrow();
  }

  /** The view {@code [0, to)} of {@code array} along {@code axis}, owned by {@code owner}. */
  private static NDArray slice(NDArray array, int axis, long to, NDManager owner) {
    NDArray view = JniUtils.slice((PtNDArray) array, axis, 0, to, 1);
    view.attach(owner);
    return view;
  }

  /** Copies {@code value} into the block {@code [from, to)} of {@code target}, in place. */
  private static void write(NDArray target, NDArray value, long[] from, long[] to) {
    long[] step = new long[from.length];
    Arrays.fill(step, 1);
    JniUtils.indexSet((PtNDArray) target, (PtNDArray) value, from, to, step);
  }

  private static float[] hostLogits(NDArray logits) {
    return logits.toType(DataType.FLOAT32, false).toFloatArray();
  }

  private void closeBuffers() {
    if (keys != null) {
      for (int layer = 0; layer < layers.length; layer++) {
        keys[layer].close();
        values[layer].close();
      }
    }
    if (additiveMask != null) {
      additiveMask.close();
    }
  }

  /** Frees the fused weights, the tables and the buffers. */
  @Override
  public void close() {
    manager.close();
  }
}
