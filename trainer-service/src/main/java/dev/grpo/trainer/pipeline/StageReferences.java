package dev.grpo.trainer.pipeline;

import dev.grpo.api.pipeline.PipelineSpec;
import dev.grpo.api.pipeline.PipelineSpec.Output;
import dev.grpo.api.pipeline.PipelineSpec.Stage;
import dev.grpo.api.problem.FieldProblem;
import dev.grpo.api.run.RunKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The graph rules of a pipeline: unique stage names, and every input a reference to an output that
 * an earlier stage of the right kind produces. A reference to the stage itself or to a later one is
 * refused (stages run in order, so it would be a cycle); so is one to a stage that does not exist,
 * to an output kind that does not exist, or to one the referred stage does not produce.
 */
final class StageReferences {

  /** A parsed {@code <stage>.<output>} reference. */
  record Reference(String stage, Output output) {

    String text() {
      return stage + "." + output.name().toLowerCase(Locale.ROOT);
    }
  }

  private StageReferences() {}

  /** The outputs a stage of {@code kind} produces. */
  static Set<Output> produces(RunKind kind) {
    return switch (kind) {
      case GRPO, SFT -> Set.of(Output.CHECKPOINT);
      case REJECTION_SAMPLING -> Set.of(Output.DATASET);
      case DISTILL -> Set.of(Output.CHECKPOINT, Output.DATASET);
      // a reward model's checkpoint is no policy: not a stage yet (refused in problems below)
      case EVAL, REWARD_MODEL -> Set.of();
    };
  }

  /** What {@code from} of a stage of {@code kind} may name; the first is required when non-null. */
  private static Set<Output> accepts(RunKind kind) {
    return switch (kind) {
      case SFT -> Set.of(Output.CHECKPOINT, Output.DATASET);
      case GRPO, REJECTION_SAMPLING, EVAL, DISTILL -> Set.of(Output.CHECKPOINT);
      case REWARD_MODEL -> Set.of();
    };
  }

  private static boolean requiresFrom(RunKind kind) {
    return kind == RunKind.REJECTION_SAMPLING || kind == RunKind.EVAL || kind == RunKind.DISTILL;
  }

  static Reference parse(String text) {
    int dot = text.lastIndexOf('.');
    String output = text.substring(dot + 1).toUpperCase(Locale.ROOT);
    return new Reference(text.substring(0, dot), Output.valueOf(output));
  }

  static List<FieldProblem> problems(PipelineSpec spec) {
    List<FieldProblem> problems = new ArrayList<>();
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < spec.stages().size(); i++) {
      String name = spec.stages().get(i).name();
      if (index.putIfAbsent(name, i) != null) {
        problems.add(
            new FieldProblem("stages[" + i + "].name", "stage name '" + name + "' is used twice"));
      }
    }
    for (int i = 0; i < spec.stages().size(); i++) {
      Stage stage = spec.stages().get(i);
      String at = "stages[" + i + "]";
      if (stage.kind() == RunKind.REWARD_MODEL) {
        problems.add(
            new FieldProblem(
                at + ".kind",
                "reward_model is not a pipeline stage kind yet: train it as a run (POST"
                    + " /api/v1/runs)"));
        continue;
      }
      if (stage.from() == null) {
        if (requiresFrom(stage.kind())) {
          problems.add(
              new FieldProblem(
                  at + ".from",
                  "a "
                      + stage.kind().name().toLowerCase(Locale.ROOT)
                      + " stage needs a checkpoint: name one as <stage>.checkpoint"));
        }
      } else {
        check(spec, index, i, at + ".from", stage.from(), accepts(stage.kind()), problems);
      }
      if (stage.init() != null) {
        if (stage.kind() != RunKind.SFT
            || stage.from() == null
            || !stage.from().endsWith(".dataset")) {
          problems.add(
              new FieldProblem(
                  at + ".init", "only an sft stage on a dataset takes an init checkpoint"));
        } else {
          check(spec, index, i, at + ".init", stage.init(), Set.of(Output.CHECKPOINT), problems);
        }
      }
    }
    return problems;
  }

  private static void check(
      PipelineSpec spec,
      Map<String, Integer> index,
      int self,
      String field,
      String text,
      Set<Output> accepted,
      List<FieldProblem> problems) {
    Reference ref;
    try {
      ref = parse(text);
    } catch (IllegalArgumentException e) {
      problems.add(
          new FieldProblem(
              field,
              "unknown output kind '"
                  + text.substring(text.lastIndexOf('.') + 1)
                  + "': must be checkpoint or dataset"));
      return;
    }
    Integer at = index.get(ref.stage());
    if (at == null) {
      problems.add(new FieldProblem(field, "no stage is named '" + ref.stage() + "'"));
      return;
    }
    if (at == self) {
      problems.add(new FieldProblem(field, "a stage cannot read its own output (a cycle)"));
      return;
    }
    if (at > self) {
      problems.add(
          new FieldProblem(
              field,
              "stage '"
                  + ref.stage()
                  + "' comes later; stages run in order, so a stage reads only earlier outputs"));
      return;
    }
    RunKind producer = spec.stages().get(at).kind();
    if (!produces(producer).contains(ref.output())) {
      problems.add(
          new FieldProblem(
              field,
              "a "
                  + producer.name().toLowerCase(Locale.ROOT)
                  + " stage produces no "
                  + ref.output().name().toLowerCase(Locale.ROOT)));
      return;
    }
    if (!accepted.contains(ref.output())) {
      problems.add(
          new FieldProblem(
              field,
              "this stage reads a "
                  + accepted.iterator().next().name().toLowerCase(Locale.ROOT)
                  + ", not a "
                  + ref.output().name().toLowerCase(Locale.ROOT)));
    }
  }
}
