package dev.grpo.api.pipeline;

import dev.grpo.api.run.RunKind;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.Map;

/**
 * A pipeline: ordered, named stages, each one run of its {@code kind}, run one after another. A
 * stage names its inputs by reference to an earlier stage's output ({@code "rl1.checkpoint"},
 * {@code "rs.dataset"}), never by a path.
 */
public record PipelineSpec(
    @Size(max = 200) String name,
    @NotNull @Size(min = 1, max = 32) List<@NotNull @Valid Stage> stages) {

  /** The output kinds a stage can be referred to by. */
  public enum Output {
    CHECKPOINT,
    DATASET
  }

  /**
   * One stage.
   *
   * @param name unique in the pipeline; what later stages refer to
   * @param from the stage's input: {@code <stage>.checkpoint} (the policy it starts from, or a
   *     teacher) or {@code <stage>.dataset} (the data an sft stage trains on)
   * @param init for an sft stage on a dataset: the checkpoint it starts from; absent trains the
   *     spec's base model afresh
   * @param spec the run spec of the stage (a {@code RunSpec}); its {@code kind}, {@code
   *     initialCheckpoint} and {@code trainDataset} are set by the pipeline
   */
  public record Stage(
      @NotNull @Pattern(regexp = "[a-z][a-z0-9_-]{0,63}", message = "must be a stage name")
          String name,
      @NotNull RunKind kind,
      @Pattern(
              regexp = "[a-z][a-z0-9_-]{0,63}\\.[a-z_]+",
              message = "must be <stage>.checkpoint or <stage>.dataset")
          String from,
      @Pattern(regexp = "[a-z][a-z0-9_-]{0,63}\\.[a-z_]+", message = "must be <stage>.checkpoint")
          String init,
      Map<String, Object> spec) {

    public Stage {
      spec = spec == null ? Map.of() : spec;
    }
  }
}
