package dev.grpo.trainer.step;

import dev.grpo.api.run.RunSpec;
import dev.grpo.ledger.dataset.DatasetItems.Item;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.optim.LearningRateSchedule;
import dev.grpo.trainer.train.SftExample;
import dev.grpo.trainer.train.SftTrainer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import tools.jackson.databind.node.ObjectNode;

/**
 * The R1 cold start: supervised fine-tuning of a fresh policy on worked solutions before RL, so the
 * policy already writes in the expected format. {@code examples} items are taken from the start of
 * the train split (cycled when it is shorter) and trained for {@code epochs} in batches of {@code
 * batchSize}, with its own optimizer at a constant learning rate.
 */
final class ColdStart {

  /** What the cold start did; stored with the evaluation of step 0. */
  record ColdStartReport(
      int examples,
      int epochs,
      long updates,
      double finalLoss,
      double seconds,
      ComputeTally compute) {

    ObjectNode writeTo(ObjectNode out) {
      out.put("examples", examples);
      out.put("epochs", epochs);
      out.put("updates", updates);
      out.put("final_loss", finalLoss);
      out.put("seconds", seconds);
      compute.writeTo(out.putObject("compute"));
      return out;
    }
  }

  private final RunSpec.ColdStart settings;
  private final PromptEncoder prompts;
  private final BooleanSupplier keepGoing;

  ColdStart(RunSpec.ColdStart settings, PromptEncoder prompts, BooleanSupplier keepGoing) {
    this.settings = settings;
    this.prompts = prompts;
    this.keepGoing = keepGoing;
  }

  /** Trains {@code policy} in place on the worked solutions of {@code source}. */
  ColdStartReport train(DecoderModel policy, List<Item> source) {
    long t0 = System.nanoTime();
    List<SftExample> examples = examples(source);
    double loss = Double.NaN;
    ComputeTally compute = ComputeTally.NONE;
    try (AdamW optimizer =
        new AdamW(
            new AdamW.Config(settings.learningRate(), 0.9, 0.999, 1e-8, 0.0, 1.0),
            LearningRateSchedule.constant())) {
      SftTrainer sft = new SftTrainer(policy, optimizer);
      int batch = settings.batchSize();
      for (int epoch = 0; epoch < settings.epochs(); epoch++) {
        for (int from = 0; from < examples.size(); from += batch) {
          List<SftExample> step = examples.subList(from, Math.min(examples.size(), from + batch));
          loss = sft.step(step).loss();
          compute = compute.plus(ComputeTally.ofSft(step));
          if (!keepGoing.getAsBoolean()) {
            throw new LeaseLostException("lost the lease during the cold start");
          }
        }
      }
      return new ColdStartReport(
          examples.size(),
          settings.epochs(),
          optimizer.stepCount(),
          loss,
          (System.nanoTime() - t0) / 1e9,
          compute);
    }
  }

  /** {@code examples} SFT examples, cycling through {@code source}. */
  List<SftExample> examples(List<Item> source) {
    if (source.isEmpty()) {
      throw new IllegalArgumentException("the cold start has no train items to learn from");
    }
    List<SftExample> out = new ArrayList<>(settings.examples());
    for (int i = 0; i < settings.examples(); i++) {
      Item item = source.get(i % source.size());
      if (item.solution() == null) {
        throw new IllegalArgumentException("item " + item.key() + " has no worked solution");
      }
      out.add(SftExample.of(prompts.tokenizer(), prompts.text(item), item.solution()));
    }
    return out;
  }
}
