package dev.grpo.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW with decoupled weight decay and bias correction, step for step the single-tensor path of
 * {@code torch.optim.AdamW} (no amsgrad, no maximize):
 *
 * <pre>
 *   p ← p · (1 − lr·wd)
 *   m ← β1·m + (1 − β1)·g          v ← β2·v + (1 − β2)·g²
 *   p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
 * </pre>
 *
 * with t counted from 1. Before the update the gradients are optionally clipped to a global L2 norm
 * (HF Trainer's {@code max_grad_norm}, applied before {@code optimizer.step()}), and lr comes from
 * a {@link LearningRateSchedule}. Parameters are updated in place, so call {@link #step} outside
 * any {@code GradientCollector}. State (m, v) is kept in the parameters' dtype, like torch.
 *
 * <p>Not thread-safe; one instance per model.
 */
public final class AdamW implements AutoCloseable {

  /** Key of the step counter in {@link #exportState()}. */
  public static final String STEP_KEY = "step";

  private static final String EXP_AVG = ".exp_avg";
  private static final String EXP_AVG_SQ = ".exp_avg_sq";

  /**
   * Hyper-parameters; defaults ({@link #defaults}) are torch's: lr 1e-3, betas (0.9, 0.999), eps
   * 1e-8, weight decay 0.01, no clipping.
   *
   * @param maxGradNorm global-norm clip threshold; ≤ 0 measures the norm but does not clip
   */
  public record Config(
      double learningRate,
      double beta1,
      double beta2,
      double epsilon,
      double weightDecay,
      double maxGradNorm) {

    public Config {
      if (learningRate < 0 || epsilon < 0 || weightDecay < 0) {
        throw new IllegalArgumentException("lr, eps and weight decay must be non-negative");
      }
      if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1) {
        throw new IllegalArgumentException("betas must be in [0, 1)");
      }
    }

    public static Config defaults() {
      return new Config(1e-3, 0.9, 0.999, 1e-8, 1e-2, 0);
    }
  }

  /**
   * What one step did.
   *
   * @param step number of steps taken so far, including this one (torch's {@code state["step"]})
   * @param learningRate the lr used for this step
   * @param gradNorm global L2 norm of the gradients before clipping
   */
  public record StepReport(long step, double learningRate, double gradNorm) {}

  private final Config config;
  private final LearningRateSchedule schedule;
  private final NDManager stateManager;
  private final Map<String, NDArray> expAvg = new HashMap<>();
  private final Map<String, NDArray> expAvgSq = new HashMap<>();
  private long step;

  public AdamW(Config config, LearningRateSchedule schedule) {
    this.config = config;
    this.schedule = schedule;
    this.stateManager = NDManager.newBaseManager();
  }

  public Config config() {
    return config;
  }

  public long stepCount() {
    return step;
  }

  /** The lr the next {@link #step} will use. */
  public double currentLearningRate() {
    return config.learningRate() * schedule.multiplier(step);
  }

  /** Clips (if configured), then applies one AdamW update to every parameter in place. */
  public StepReport step(List<NamedParameter> parameters) {
    double norm =
        config.maxGradNorm() > 0
            ? GradientClipping.clipByGlobalNorm(parameters, config.maxGradNorm())
            : GradientClipping.globalNorm(parameters);
    double lr = currentLearningRate();
    long t = step + 1;
    double beta1 = config.beta1();
    double beta2 = config.beta2();
    double stepSize = lr / (1 - Math.pow(beta1, t));
    double biasCorrection2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
    for (NamedParameter p : parameters) {
      NDArray param = p.array();
      NDArray m = expAvg.computeIfAbsent(p.name(), k -> zerosFor(param));
      NDArray v = expAvgSq.computeIfAbsent(p.name(), k -> zerosFor(param));
      try (NDManager scope = stateManager.newSubManager(param.getDevice())) {
        // Results of an op live in the manager of its receiver: moving m, v and the gradient
        // handle into the scope for the update frees every temporary when the scope closes,
        // while tempAttach hands m and v back to the state manager.
        scope.tempAttachAll(m, v);
        NDArray grad = param.getGradient();
        grad.attach(scope);
        param.muli(1 - lr * config.weightDecay());
        m.muli(beta1).addi(grad.mul(1 - beta1));
        v.muli(beta2).addi(grad.square().mul(1 - beta2));
        NDArray denom = v.sqrt().div(biasCorrection2Sqrt).add(config.epsilon());
        param.subi(m.div(denom).mul(stepSize));
      }
    }
    step = t;
    return new StepReport(step, lr, norm);
  }

  /**
   * Zeroes the gradients in place. DJL accumulates gradients across {@code GradientCollector}s, so
   * call this after each step (or before the first micro-batch of the next one).
   */
  public static void zeroGradients(List<NamedParameter> parameters) {
    for (NamedParameter p : parameters) {
      try (NDManager scope = p.array().getManager().newSubManager()) {
        NDArray grad = p.array().getGradient();
        grad.attach(scope);
        // Multiplying by 0 would keep NaN/Inf from a bad step; overwrite instead.
        grad.set(new NDIndex("..."), 0);
      }
    }
  }

  /**
   * The optimizer state as named arrays for a checkpoint: {@value #STEP_KEY} (int64 scalar) and,
   * per parameter, {@code <name>.exp_avg} and {@code <name>.exp_avg_sq}. The arrays are copies,
   * owned by {@code manager}.
   */
  public Map<String, NDArray> exportState(NDManager manager) {
    Map<String, NDArray> out = new LinkedHashMap<>();
    out.put(STEP_KEY, manager.create(step));
    for (Map.Entry<String, NDArray> e : expAvg.entrySet()) {
      out.put(e.getKey() + EXP_AVG, copyInto(manager, e.getValue()));
      out.put(e.getKey() + EXP_AVG_SQ, copyInto(manager, expAvgSq.get(e.getKey())));
    }
    return out;
  }

  /** Replaces the state with one from {@link #exportState}; the arrays are copied. */
  public void importState(Map<String, NDArray> state) {
    NDArray stepArray = state.get(STEP_KEY);
    if (stepArray == null) {
      throw new IllegalArgumentException("optimizer state has no '" + STEP_KEY + "' entry");
    }
    long restoredStep = stepArray.toType(DataType.INT64, false).getLong();
    Map<String, NDArray> avg = new HashMap<>();
    Map<String, NDArray> avgSq = new HashMap<>();
    for (Map.Entry<String, NDArray> e : state.entrySet()) {
      String key = e.getKey();
      if (key.endsWith(EXP_AVG_SQ)) {
        avgSq.put(key.substring(0, key.length() - EXP_AVG_SQ.length()), e.getValue());
      } else if (key.endsWith(EXP_AVG)) {
        avg.put(key.substring(0, key.length() - EXP_AVG.length()), e.getValue());
      } else if (!key.equals(STEP_KEY)) {
        throw new IllegalArgumentException("unexpected optimizer state entry '" + key + "'");
      }
    }
    if (!avg.keySet().equals(avgSq.keySet())) {
      throw new IllegalArgumentException("exp_avg and exp_avg_sq name different parameters");
    }
    expAvg.values().forEach(NDArray::close);
    expAvgSq.values().forEach(NDArray::close);
    expAvg.clear();
    expAvgSq.clear();
    avg.forEach((name, array) -> expAvg.put(name, copyInto(stateManager, array)));
    avgSq.forEach((name, array) -> expAvgSq.put(name, copyInto(stateManager, array)));
    step = restoredStep;
  }

  @Override
  public void close() {
    stateManager.close();
  }

  private NDArray zerosFor(NDArray param) {
    return stateManager.zeros(param.getShape(), param.getDataType(), param.getDevice());
  }

  private static NDArray copyInto(NDManager manager, NDArray source) {
    NDArray copy = source.duplicate();
    copy.attach(manager);
    return copy;
  }
}
