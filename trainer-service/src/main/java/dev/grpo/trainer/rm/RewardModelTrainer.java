package dev.grpo.trainer.rm;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.grpo.policy.reward.RewardModel;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.optim.NamedParameter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One AdamW update of a {@link RewardModel} per batch of encoded pairs ({@link PairwiseLoss} over
 * one forward pass of the chosen and rejected sequences together), and the held-out pairwise
 * accuracy of the model as it stands.
 */
public final class RewardModelTrainer {

  /**
   * A pair as token sequences.
   *
   * @param chosen BOS, prompt, preferred response, EOS
   * @param rejected BOS, prompt, the other response, EOS
   * @param margin the pair's margin (0 for the plain loss)
   */
  public record EncodedPair(int[] chosen, int[] rejected, float margin) {}

  /**
   * What one update did.
   *
   * @param accuracy share of the batch's pairs ranked right before the update
   */
  public record StepReport(
      long step, double loss, double accuracy, double gradNorm, double learningRate) {}

  /**
   * The model on a set of pairs.
   *
   * @param accuracy share of pairs whose chosen reward is strictly higher
   * @param loss mean pairwise loss
   * @param meanChosen mean reward of the chosen responses
   * @param meanRejected mean reward of the rejected ones
   */
  public record Evaluation(
      int pairs, double accuracy, double loss, double meanChosen, double meanRejected) {}

  private final RewardModel model;
  private final AdamW optimizer;
  private final List<NamedParameter> parameters;

  public RewardModelTrainer(RewardModel model, AdamW optimizer) {
    this.model = model;
    this.optimizer = optimizer;
    this.parameters = new ArrayList<>();
    for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
      parameters.add(new NamedParameter(e.getKey(), e.getValue()));
    }
    model.setRequiresGradient(true);
  }

  /** One update on {@code batch}. */
  public StepReport step(List<EncodedPair> batch) {
    // grad mode is per thread; the optimizer's in-place updates need it off (see GradMode)
    JniUtils.setGradMode(false);
    int n = batch.size();
    try (NDManager scope = NDManager.newBaseManager(model.device())) {
      double loss;
      double accuracy;
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDArray scores = model.scores(sequences(batch), scope);
        NDArray chosen = scores.get("0:" + n);
        NDArray rejected = scores.get(n + ":");
        NDArray value = PairwiseLoss.loss(chosen, rejected, margins(batch, scope));
        loss = value.getFloat();
        accuracy = PairwiseLoss.accuracy(chosen.toFloatArray(), rejected.toFloatArray());
        collector.backward(value);
      }
      AdamW.StepReport report = optimizer.step(parameters);
      AdamW.zeroGradients(parameters);
      return new StepReport(
          report.step(), loss, accuracy, report.gradNorm(), report.learningRate());
    }
  }

  /** The model on {@code pairs}, scored {@code batchSize} pairs per forward pass, no gradients. */
  public Evaluation evaluate(List<EncodedPair> pairs, int batchSize) {
    if (pairs.isEmpty()) {
      throw new IllegalArgumentException("no pairs to evaluate on");
    }
    JniUtils.setGradMode(false);
    int right = 0;
    double lossSum = 0;
    double chosenSum = 0;
    double rejectedSum = 0;
    for (int from = 0; from < pairs.size(); from += batchSize) {
      List<EncodedPair> batch = pairs.subList(from, Math.min(pairs.size(), from + batchSize));
      int n = batch.size();
      try (NDManager scope = NDManager.newBaseManager(model.device())) {
        NDArray scores = model.scores(sequences(batch), scope);
        NDArray chosen = scores.get("0:" + n);
        NDArray rejected = scores.get(n + ":");
        lossSum += PairwiseLoss.loss(chosen, rejected, margins(batch, scope)).getFloat() * n;
        float[] c = chosen.toFloatArray();
        float[] r = rejected.toFloatArray();
        for (int i = 0; i < n; i++) {
          right += c[i] > r[i] ? 1 : 0;
          chosenSum += c[i];
          rejectedSum += r[i];
        }
      }
    }
    int total = pairs.size();
    return new Evaluation(
        total, (double) right / total, lossSum / total, chosenSum / total, rejectedSum / total);
  }

  private static List<int[]> sequences(List<EncodedPair> batch) {
    List<int[]> out = new ArrayList<>(batch.size() * 2);
    batch.forEach(p -> out.add(p.chosen()));
    batch.forEach(p -> out.add(p.rejected()));
    return out;
  }

  private NDArray margins(List<EncodedPair> batch, NDManager scope) {
    float[] m = new float[batch.size()];
    for (int i = 0; i < m.length; i++) {
      m[i] = batch.get(i).margin();
    }
    // a libtorch-owned copy: autograd keeps the operand of the subtraction for backward
    try (NDArray borrowed = scope.create(m, new Shape(m.length))) {
      NDArray copy = borrowed.duplicate();
      return copy.toDevice(model.device(), false);
    }
  }
}
