package dev.grpo.trainer.rm;

import dev.grpo.trainer.rm.RewardModelTrainer.EncodedPair;
import dev.grpo.trainer.rm.RewardModelTrainer.Evaluation;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Epochs of reward-model training: the training pairs in a seeded shuffle per epoch, one update per
 * batch, and the held-out pairwise accuracy after every epoch (and once before the first, as epoch
 * 0, the untrained head's baseline).
 */
public final class RewardModelFit {

  /**
   * One epoch.
   *
   * @param epoch 0 for the baseline before training, then 1..
   * @param trainLoss mean loss of the epoch's updates (NaN for epoch 0)
   * @param trainAccuracy mean pre-update batch accuracy of the epoch (NaN for epoch 0)
   * @param heldOut the model on the held-out pairs after the epoch
   */
  public record EpochReport(
      int epoch, long updates, double trainLoss, double trainAccuracy, Evaluation heldOut) {}

  private RewardModelFit() {}

  /**
   * Trains for {@code epochs} epochs and reports each (the baseline first) to {@code onEpoch} as
   * soon as it ends.
   *
   * @return the reports, baseline first
   */
  public static List<EpochReport> run(
      RewardModelTrainer trainer,
      PreferenceSet data,
      int epochs,
      int batchSize,
      long seed,
      Consumer<EpochReport> onEpoch) {
    return resume(trainer, data, epochs, batchSize, seed, 0, 0, onEpoch);
  }

  /**
   * Continues a fit whose first {@code doneEpochs} epochs ({@code doneUpdates} updates) are in the
   * trainer's model and optimizer already: the epochs' shuffles are drawn again (and not trained
   * on), so epoch {@code doneEpochs + 1} sees the order it would have seen without the break. With
   * {@code doneEpochs = 0} this is {@link #run}, baseline included.
   *
   * @return the reports of the epochs trained here (the baseline first when {@code doneEpochs = 0})
   */
  public static List<EpochReport> resume(
      RewardModelTrainer trainer,
      PreferenceSet data,
      int epochs,
      int batchSize,
      long seed,
      int doneEpochs,
      long doneUpdates,
      Consumer<EpochReport> onEpoch) {
    List<EpochReport> reports = new ArrayList<>();
    if (doneEpochs == 0) {
      EpochReport baseline =
          new EpochReport(
              0, 0, Double.NaN, Double.NaN, trainer.evaluate(data.heldOut(), batchSize));
      reports.add(baseline);
      onEpoch.accept(baseline);
    }
    SplittableRandom random = new SplittableRandom(seed);
    for (int epoch = 1; epoch <= Math.min(doneEpochs, epochs); epoch++) {
      shuffled(data.train(), random);
    }
    long updates = doneUpdates;
    for (int epoch = doneEpochs + 1; epoch <= epochs; epoch++) {
      List<EncodedPair> order = shuffled(data.train(), random);
      double lossSum = 0;
      double accuracySum = 0;
      int batches = 0;
      for (int from = 0; from < order.size(); from += batchSize) {
        RewardModelTrainer.StepReport step =
            trainer.step(order.subList(from, Math.min(order.size(), from + batchSize)));
        lossSum += step.loss();
        accuracySum += step.accuracy();
        batches++;
        updates++;
      }
      EpochReport report =
          new EpochReport(
              epoch,
              updates,
              lossSum / batches,
              accuracySum / batches,
              trainer.evaluate(data.heldOut(), batchSize));
      reports.add(report);
      onEpoch.accept(report);
    }
    return reports;
  }

  private static List<EncodedPair> shuffled(List<EncodedPair> pairs, SplittableRandom random) {
    List<EncodedPair> copy = new ArrayList<>(pairs);
    for (int i = copy.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      EncodedPair t = copy.get(i);
      copy.set(i, copy.get(j));
      copy.set(j, t);
    }
    return copy;
  }
}
