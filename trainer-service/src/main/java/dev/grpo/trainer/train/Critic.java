package dev.grpo.trainer.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.grpo.policy.model.GraphConstants;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.optim.NamedParameter;
import dev.grpo.trainer.ppo.PpoConfig;
import dev.grpo.trainer.ppo.ValueLoss;
import dev.grpo.trainer.ppo.ValueModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * PPO's critic: a {@link ValueModel} with an AdamW of its own (its moments and step count are
 * training state a checkpoint carries, like the policy's), updated once per policy update on the
 * clipped {@link ValueLoss}. Owns and closes both.
 */
public final class Critic implements AutoCloseable {

  /**
   * What one critic update did.
   *
   * @param valueLoss the clipped value loss (before the coefficient)
   * @param clipFraction tokens where the clipped term was the larger
   * @param gradNorm the critic's gradient norm before clipping
   */
  public record Update(double valueLoss, double clipFraction, double gradNorm) {}

  private final ValueModel model;
  private final AdamW optimizer;
  private final PpoConfig config;
  private final List<NamedParameter> parameters;

  public Critic(ValueModel model, AdamW optimizer, PpoConfig config) {
    if (model.kind() != config.kind()) {
      throw new IllegalArgumentException(
          "the value model is " + model.kind() + ", the config asks for " + config.kind());
    }
    this.model = model;
    this.optimizer = optimizer;
    this.config = config;
    this.parameters = new ArrayList<>();
    for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
      parameters.add(new NamedParameter(e.getKey(), e.getValue()));
    }
  }

  public PpoConfig config() {
    return config;
  }

  public ValueModel model() {
    return model;
  }

  public AdamW optimizer() {
    return optimizer;
  }

  /** [B,T] values without gradient, owned by {@code scope}. */
  NDArray values(List<int[]> prompts, List<int[]> completions, NDManager scope) {
    GradMode.off();
    return model.values(prompts, completions, scope).stopGradient();
  }

  /** One update of the critic toward {@code returns}, clipped around {@code oldValues}. */
  Update update(
      List<int[]> prompts,
      List<int[]> completions,
      NDArray oldValues,
      NDArray returns,
      NDArray mask,
      NDManager parent) {
    GradMode.off();
    try (NDManager scope = parent.newSubManager()) {
      ValueLoss.Result result;
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDArray values = model.values(prompts, completions, scope);
        result = ValueLoss.compute(values, oldValues, returns, mask, config.valueClip());
        NDArray scaled =
            result.loss().mul(GraphConstants.constant(result.loss(), config.valueCoefficient()));
        collector.backward(scaled);
      }
      double loss = result.loss().toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble();
      AdamW.StepReport report = optimizer.step(parameters);
      AdamW.zeroGradients(parameters);
      return new Update(loss, result.clipFraction(), report.gradNorm());
    }
  }

  /** Bytes of the critic's parameters and of its optimizer's moments (float32 each). */
  public long parameterAndOptimizerBytes() {
    // AdamW keeps two moments per parameter once it has stepped
    return model.parameterCount() * 4L * 3L;
  }

  /** Replaces the weights and optimizer state with saved ones (grad mode off). */
  public void restore(Map<String, NDArray> weights, Map<String, NDArray> optimizerState) {
    GradMode.off();
    model.load(weights);
    optimizer.importState(optimizerState);
  }

  @Override
  public void close() {
    try {
      model.close();
    } finally {
      optimizer.close();
    }
  }
}
