package dev.grpo.trainer.rm;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelPreset;
import dev.grpo.policy.reward.RewardModel;
import dev.grpo.policy.reward.RewardSequence;
import dev.grpo.policy.tokenizer.CharTokenizer;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.optim.LearningRateSchedule;
import dev.grpo.trainer.rm.RewardModelFit.EpochReport;
import dev.grpo.trainer.rm.RewardModelTrainer.EncodedPair;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A reward model learns a preference it can only learn by reading the prompt: for the prompt {@code
 * "7"} the response {@code <answer>7</answer>} is preferred over {@code <answer>e</answer>} for any
 * other digit e. Both responses have the same length and format, so a head that ignores the prompt
 * (or reads response surface only) stays at chance; held-out prompt/wrong-digit combinations
 * measure whether it compares the two.
 *
 * <p>Numerics are pinned by the build (one intra-op thread, {@code ATEN_CPU_CAPABILITY=avx2},
 * {@code MKL_CBWR=AVX2}; trainer-service/pom.xml), so the curve is the same on any x86-64 CPU.
 * Measured (tiny preset, 480 training and 120 held-out pairs, batch 16, lr 3e-3): see the printed
 * table; the floor below leaves a wide margin under the measured final accuracy.
 */
class RewardModelLearningTest {

  static final CharTokenizer TOKENIZER = new CharTokenizer();

  static PreferenceSet digitTask(int pairs, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<EncodedPair> all = new ArrayList<>();
    for (int i = 0; i < pairs; i++) {
      int d = random.nextInt(10);
      int e = (d + 1 + random.nextInt(9)) % 10;
      String prompt = Integer.toString(d);
      all.add(
          new EncodedPair(
              RewardSequence.encode(TOKENIZER, prompt, "<answer>" + d + "</answer>"),
              RewardSequence.encode(TOKENIZER, prompt, "<answer>" + e + "</answer>"),
              0f));
    }
    int held = pairs / 5;
    return new PreferenceSet(
        all.subList(held, pairs), all.subList(0, held), new PreferenceFile.Rejections());
  }

  @Test
  void heldOutAccuracyRisesFromChanceToNearlyAllPairs() {
    PreferenceSet data = digitTask(600, 11);
    DecoderModel backbone = DecoderModel.randomInit(ModelPreset.TINY.config(), 3, Device.cpu());
    try (RewardModel model = RewardModel.withNewHead(backbone, 3);
        AdamW optimizer =
            new AdamW(
                new AdamW.Config(3e-3, 0.9, 0.999, 1e-8, 0.0, 1.0),
                LearningRateSchedule.constant())) {
      RewardModelTrainer trainer = new RewardModelTrainer(model, optimizer);
      List<EpochReport> curve = RewardModelFit.run(trainer, data, 12, 16, 5, r -> {});
      System.out.println("epoch  updates  train loss  train acc  held-out acc  held-out loss");
      for (EpochReport r : curve) {
        System.out.printf(
            "%5d  %7d  %10.4f  %9.3f  %12.3f  %13.4f%n",
            r.epoch(),
            r.updates(),
            r.trainLoss(),
            r.trainAccuracy(),
            r.heldOut().accuracy(),
            r.heldOut().loss());
      }
      assertThat(curve).hasSize(13);
      assertThat(curve.get(0).heldOut().accuracy()).isBetween(0.3, 0.7);
      assertThat(curve.get(12).heldOut().accuracy()).isGreaterThan(0.95);
      assertThat(curve.get(12).heldOut().loss()).isLessThan(curve.get(0).heldOut().loss() / 2);
    }
  }
}
