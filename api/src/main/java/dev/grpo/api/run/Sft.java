package dev.grpo.api.run;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

/**
 * How an {@code sft} (or {@code distill}) run trains: cross-entropy on the completion tokens only,
 * padded batches, {@code epochs} passes, the learning rate and its schedule from {@code optimizer}
 * (the schedule's length is the number of updates).
 *
 * @param examples at most this many examples (0: all of the dataset, or every train item)
 */
public record Sft(
    @NotNull @Min(1) @Max(1000) Integer epochs,
    @NotNull @Min(1) @Max(4096) Integer batchSize,
    @NotNull @Min(0) @Max(10_000_000) Integer examples) {

  public Sft {
    epochs = epochs == null ? 3 : epochs;
    batchSize = batchSize == null ? 16 : batchSize;
    examples = examples == null ? 0 : examples;
  }
}
