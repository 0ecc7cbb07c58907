package dev.grpo.trainer.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.model.RotaryEmbedding;
import dev.grpo.policy.model.TokenLogProbs;
import java.util.List;
import java.util.Map;

/**
 * {@link DecoderModel#logProbs} recomputed over the model's parameters with every scalar constant
 * on the gradient path held in a libtorch-owned tensor.
 *
 * <p>Why a copy: {@code DecoderModel} (policy module) multiplies the attention scores by {@code
 * mul(scale)}, normalises with {@code pow(-1f)} and tempers with {@code div(temperature)}. In DJL
 * 0.35 each {@code op(Number)} wraps the number in a tensor that borrows a Java direct buffer and
 * is closed right after the op, while autograd keeps it for backward; a GC between forward and
 * backward frees it and the gradients become garbage. {@code PolicyGradientGcTest} shows it on the
 * tiny model: every parameter's gradient changes. The values here are the same ops in the same
 * order, so they equal {@code DecoderModel.logProbs} bit for bit ({@code PolicyLogProbsTest}). Once
 * the policy module routes its constants the same way, callers can go back to {@code
 * DecoderModel.logProbs}.
 */
public final class PolicyLogProbs {

  private static final float MASKED = -1e9f;

  private PolicyLogProbs() {}

  /**
   * Per-token log-probabilities and entropies of right-padded completions, as {@link
   * DecoderModel#logProbs(List, List, float, NDManager)}; safe to differentiate.
   */
  public static TokenLogProbs compute(
      DecoderModel model,
      List<int[]> prompts,
      List<int[]> completions,
      float temperature,
      NDManager scope) {
    if (prompts.size() != completions.size() || prompts.isEmpty()) {
      throw new IllegalArgumentException("need as many prompts as completions, at least one");
    }
    if (!(temperature > 0)) {
      throw new IllegalArgumentException("temperature must be positive");
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
    Device device = model.device();
    NDArray inputIds = scope.create(ids, new Shape(batch, length)).toDevice(device, false);
    NDArray mask = scope.create(attention, new Shape(batch, length)).toDevice(device, false);
    NDArray index =
        scope.create(gatherIndex, new Shape(batch, maxCompletion, 1)).toDevice(device, false);
    NDArray hidden = hiddenStates(model, inputIds, mask);
    long width = hidden.getShape().get(2);
    NDArray picked = hidden.gather(index.broadcast(batch, maxCompletion, width), 1);
    NDArray logits = lmHead(model, picked);
    if (temperature != 1f) {
      logits = logits.div(constant(logits, temperature));
    }
    NDArray logSoftmax = logits.logSoftmax(-1);
    NDArray target =
        scope.create(targets, new Shape(batch, maxCompletion, 1)).toDevice(device, false);
    NDArray m =
        scope.create(completionMask, new Shape(batch, maxCompletion)).toDevice(device, false);
    NDArray logProbs = logSoftmax.gather(target, -1).squeeze(-1).mul(m);
    NDArray entropy = logSoftmax.exp().mul(logSoftmax).sum(new int[] {-1}).neg().mul(m);
    return new TokenLogProbs(logProbs, entropy, m);
  }

  /**
   * A 0-d array holding {@code value} in the dtype and manager of {@code like}, owned by libtorch
   * (a copy of the borrowed buffer), so autograd may keep it until backward.
   */
  public static NDArray constant(NDArray like, double value) {
    try (NDArray borrowed = like.getManager().create(value)) {
      NDArray owned = borrowed.duplicate();
      return owned.toType(like.getDataType(), false);
    }
  }

  private static NDArray hiddenStates(DecoderModel model, NDArray inputIds, NDArray attention) {
    ModelConfig config = model.config();
    Map<String, NDArray> params = model.parameters();
    NDManager scope = inputIds.getManager();
    long batch = inputIds.getShape().get(0);
    int time = Math.toIntExact(inputIds.getShape().get(1));
    NDArray ids = inputIds.toType(DataType.INT64, false);
    NDArray positionIds =
        attention.toType(DataType.INT64, false).cumSum(1).sub(1).clip(0, Long.MAX_VALUE);
    NDArray mask = additiveMask(scope, attention, time);
    NDArray[] cosSin =
        new RotaryEmbedding(config.headDim(), config.ropeTheta()).cosSin(positionIds);
    NDArray x =
        Embedding.embedding(ids, param(params, "model.embed_tokens.weight"), SparseFormat.DENSE)
            .singletonOrThrow();
    NDArray scale = null;
    NDArray minusOne = null;
    NDArray eps = null;
    for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
      String p = "model.layers." + layer + ".";
      if (scale == null) {
        scale = constant(x, (float) (1.0 / Math.sqrt(config.headDim())));
        minusOne = constant(x, -1f);
        eps = constant(x, (float) config.rmsNormEps());
      }
      NDArray h = rmsNorm(x, param(params, p + "input_layernorm.weight"), eps, minusOne);
      NDArray q =
          heads(config, linear(params, h, p + "self_attn.q_proj"), config.numAttentionHeads());
      NDArray k =
          heads(config, linear(params, h, p + "self_attn.k_proj"), config.numKeyValueHeads());
      NDArray v =
          heads(config, linear(params, h, p + "self_attn.v_proj"), config.numKeyValueHeads());
      q = RotaryEmbedding.apply(q, cosSin[0], cosSin[1]);
      k = RotaryEmbedding.apply(k, cosSin[0], cosSin[1]);
      NDArray scores = q.matMul(repeatKv(config, k).transpose(0, 1, 3, 2)).mul(scale).add(mask);
      NDArray attended = scores.softmax(-1).matMul(repeatKv(config, v));
      NDArray merged =
          attended
              .transpose(0, 2, 1, 3)
              .reshape(batch, time, (long) config.numAttentionHeads() * config.headDim());
      x = x.add(linear(params, merged, p + "self_attn.o_proj"));
      NDArray h2 = rmsNorm(x, param(params, p + "post_attention_layernorm.weight"), eps, minusOne);
      NDArray gate = linear(params, h2, p + "mlp.gate_proj");
      NDArray up = linear(params, h2, p + "mlp.up_proj");
      NDArray act = gate.mul(Activation.sigmoid(gate)).mul(up);
      x = x.add(linear(params, act, p + "mlp.down_proj"));
    }
    if (eps == null) {
      eps = constant(x, (float) config.rmsNormEps());
      minusOne = constant(x, -1f);
    }
    return rmsNorm(x, param(params, "model.norm.weight"), eps, minusOne);
  }

  private static NDArray lmHead(DecoderModel model, NDArray hidden) {
    String name =
        model.config().tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight";
    return Linear.linear(hidden, param(model.parameters(), name)).singletonOrThrow();
  }

  private static NDArray repeatKv(ModelConfig config, NDArray kv) {
    int group = config.groupSize();
    if (group == 1) {
      return kv;
    }
    Shape s = kv.getShape();
    return kv.expandDims(2)
        .broadcast(new Shape(s.get(0), s.get(1), group, s.get(2), s.get(3)))
        .reshape(s.get(0), s.get(1) * group, s.get(2), s.get(3));
  }

  private static NDArray heads(ModelConfig config, NDArray projected, int numHeads) {
    Shape s = projected.getShape();
    return projected.reshape(s.get(0), s.get(1), numHeads, config.headDim()).transpose(0, 2, 1, 3);
  }

  /** Additive (batch, 1, time, time) mask: causal and key padding, no gradient. */
  private static NDArray additiveMask(NDManager scope, NDArray attentionMask, int time) {
    NDArray queryIndex = scope.arange(0, time).expandDims(1);
    NDArray keyIndex = scope.arange(0, time).expandDims(0);
    NDArray allowed = keyIndex.lte(queryIndex).expandDims(0).expandDims(0);
    NDArray keyOk = attentionMask.toType(DataType.FLOAT32, false).gt(0.5f);
    allowed = allowed.logicalAnd(keyOk.expandDims(1).expandDims(1));
    return allowed.toType(DataType.FLOAT32, false).sub(1f).mul(-MASKED);
  }

  private static NDArray rmsNorm(NDArray x, NDArray weight, NDArray eps, NDArray minusOne) {
    NDArray variance = x.square().mean(new int[] {-1}, true);
    return x.mul(variance.add(eps).sqrt().pow(minusOne)).mul(weight);
  }

  private static NDArray linear(Map<String, NDArray> params, NDArray x, String prefix) {
    NDArray bias = params.get(prefix + ".bias");
    NDArray weight = param(params, prefix + ".weight");
    return (bias == null ? Linear.linear(x, weight) : Linear.linear(x, weight, bias))
        .singletonOrThrow();
  }

  private static NDArray param(Map<String, NDArray> params, String name) {
    NDArray p = params.get(name);
    if (p == null) {
      throw new IllegalStateException("no parameter " + name);
    }
    return p;
  }
}
