package dev.grpo.trainer.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.TokenLogProbs;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.optim.NamedParameter;
import java.util.ArrayList;
import java.util.List;

/**
 * Cold-start supervised fine-tuning: token-level cross-entropy over the completion tokens of a
 * batch (sum over tokens / number of completion tokens, prompt and padding masked out), one AdamW
 * update per batch.
 */
public final class SftTrainer {

  /**
   * @param step optimizer steps so far
   * @param loss mean negative log-likelihood per completion token
   * @param gradNorm global grad norm before clipping
   * @param learningRate lr used
   */
  public record Metrics(long step, double loss, double gradNorm, double learningRate) {}

  private final DecoderModel model;
  private final AdamW optimizer;
  private final List<NamedParameter> parameters;

  public SftTrainer(DecoderModel model, AdamW optimizer) {
    this.model = model;
    this.optimizer = optimizer;
    this.parameters = GrpoTrainer.namedParameters(model);
    model.setRequiresGradient(true);
  }

  /** One update on a batch of examples. */
  public Metrics step(List<SftExample> batch) {
    GradMode.off();
    List<int[]> prompts = new ArrayList<>(batch.size());
    List<int[]> completions = new ArrayList<>(batch.size());
    for (SftExample e : batch) {
      prompts.add(e.prompt());
      completions.add(e.completion());
    }
    try (NDManager scope = NDManager.newBaseManager(model.device())) {
      double loss;
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        TokenLogProbs lp = model.logProbs(prompts, completions, 1f, scope);
        // Dividing by an array (not a Number) keeps the divisor alive for backward.
        NDArray nll = lp.logProbs().sum().div(lp.mask().sum()).neg();
        loss = nll.getFloat();
        collector.backward(nll);
      }
      AdamW.StepReport report = optimizer.step(parameters);
      AdamW.zeroGradients(parameters);
      return new Metrics(report.step(), loss, report.gradNorm(), report.learningRate());
    }
  }
}
