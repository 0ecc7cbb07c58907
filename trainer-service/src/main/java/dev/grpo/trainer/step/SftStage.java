package dev.grpo.trainer.step;

import dev.grpo.api.run.RunSpec;
import dev.grpo.ledger.dataset.DatasetItems.Item;
import dev.grpo.ledger.dataset.LedgerDatasets;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.optim.LearningRateSchedule;
import dev.grpo.trainer.step.RunExecution.Outcome;
import dev.grpo.trainer.train.SftExample;
import dev.grpo.trainer.train.SftTrainer;
import dev.grpo.trainer.train.TrainingState;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import tools.jackson.databind.node.ObjectNode;

/**
 * The training of an {@code sft} or {@code distill} stage: {@code sft.epochs} passes over the
 * examples in a seeded order, padded batches of {@code sft.batchSize}, the loss on the completion
 * tokens only ({@link SftTrainer}), AdamW with the spec's optimizer and its schedule over the
 * number of updates. Pause and cancel are read between batches.
 */
final class SftStage {

  /** A prompt and the completion to learn for it. */
  record Example(Item item, String completion) {}

  /** What the training did. */
  record Report(
      int examples,
      int epochs,
      long updates,
      double firstLoss,
      double finalLoss,
      ComputeTally compute) {

    ObjectNode writeTo(ObjectNode out) {
      out.put("examples", examples);
      out.put("epochs", epochs);
      out.put("updates", updates);
      out.put("first_loss", firstLoss);
      out.put("final_loss", finalLoss);
      compute.writeTo(out.putObject("compute"));
      return out;
    }
  }

  /** The trained optimizer and report, or the boundary that stopped the training. */
  record Result(AdamW optimizer, TrainingState state, Report report, Outcome stoppedBy) {}

  private final RunSpec spec;
  private final PromptEncoder prompts;
  private final Supplier<Outcome> boundary;

  SftStage(RunSpec spec, PromptEncoder prompts, Supplier<Outcome> boundary) {
    this.spec = spec;
    this.prompts = prompts;
    this.boundary = boundary;
  }

  static List<Example> rowItems(List<LedgerDatasets.Row> rows) {
    List<Example> out = new ArrayList<>(rows.size());
    for (LedgerDatasets.Row r : rows) {
      out.add(
          new Example(
              new Item(r.key(), "train", r.ordinal(), r.prompt(), r.answer(), null, null, null),
              r.completion()));
    }
    return out;
  }

  static List<Example> solutionItems(List<Item> items) {
    List<Example> out = new ArrayList<>(items.size());
    for (Item item : items) {
      if (item.solution() == null) {
        throw new IllegalArgumentException(
            "item " + item.key() + " has no worked solution to learn; name a dataset instead");
      }
      out.add(new Example(item, item.solution()));
    }
    return out;
  }

  Result train(DecoderModel policy, List<Example> source) {
    int limit = spec.sft().examples();
    List<Example> chosen = limit > 0 && limit < source.size() ? source.subList(0, limit) : source;
    if (chosen.isEmpty()) {
      throw new IllegalArgumentException("the sft stage has no examples to learn from");
    }
    List<SftExample> examples = new ArrayList<>(chosen.size());
    for (Example e : chosen) {
      examples.add(SftExample.of(prompts.tokenizer(), prompts.text(e.item()), e.completion()));
    }
    int batch = spec.sft().batchSize();
    int epochs = spec.sft().epochs();
    long perEpoch = (examples.size() + batch - 1) / batch;
    AdamW optimizer = optimizer(perEpoch * epochs);
    SftTrainer trainer = new SftTrainer(policy, optimizer);
    double first = Double.NaN;
    double last = Double.NaN;
    ComputeTally compute = ComputeTally.NONE;
    for (int epoch = 0; epoch < epochs; epoch++) {
      List<SftExample> order = new ArrayList<>(examples);
      Collections.shuffle(order, new Random(spec.seed() * 31 + epoch));
      for (int from = 0; from < order.size(); from += batch) {
        Outcome stop = boundary.get();
        if (stop != null) {
          optimizer.close();
          return new Result(null, null, null, stop);
        }
        List<SftExample> step = order.subList(from, Math.min(order.size(), from + batch));
        last = trainer.step(step).loss();
        compute = compute.plus(ComputeTally.ofSft(step));
        if (Double.isNaN(first)) {
          first = last;
        }
      }
    }
    return new Result(
        optimizer,
        TrainingState.start(spec.seed()),
        new Report(examples.size(), epochs, optimizer.stepCount(), first, last, compute),
        null);
  }

  private AdamW optimizer(long updates) {
    RunSpec.Optimizer o = spec.optimizer();
    LearningRateSchedule schedule =
        switch (o.schedule()) {
          case CONSTANT ->
              o.warmupSteps() == 0
                  ? LearningRateSchedule.constant()
                  : LearningRateSchedule.constantWithWarmup(o.warmupSteps());
          case COSINE -> LearningRateSchedule.cosineWithWarmup(o.warmupSteps(), updates);
        };
    return new AdamW(
        new AdamW.Config(
            o.learningRate(), o.beta1(), o.beta2(), o.epsilon(), o.weightDecay(), o.maxGradNorm()),
        schedule);
  }
}
