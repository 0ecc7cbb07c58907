package dev.grpo.trainer.run;

import dev.grpo.api.problem.FieldProblem;
import dev.grpo.api.run.RunSpec;
import dev.grpo.policy.lora.TargetModule;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.model.ModelPreset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code model.lora} section against the model it adapts: a rank no larger than the model's
 * hidden size, and target modules the model has. Run after the paths are known to be confined.
 */
final class LoraSpecCheck {

  private LoraSpecCheck() {}

  static List<FieldProblem> problems(RunSpec spec) {
    RunSpec.Lora lora = spec.model().lora();
    if (lora == null) {
      return List.of();
    }
    List<FieldProblem> problems = new ArrayList<>();
    List<String> targets = lora.targetModules();
    for (int i = 0; i < targets.size(); i++) {
      String name = targets.get(i);
      if (TargetModule.named(name).isEmpty()) {
        problems.add(
            new FieldProblem(
                "model.lora.targetModules[" + i + "]",
                "the model has no module '%s'; its linear layers are %s"
                    .formatted(name, TargetModule.names())));
      } else if (targets.indexOf(name) != i) {
        problems.add(
            new FieldProblem("model.lora.targetModules[" + i + "]", "'" + name + "' is repeated"));
      }
    }
    ModelConfig config = config(spec.model());
    if (config != null && lora.rank() > config.hiddenSize()) {
      problems.add(
          new FieldProblem(
              "model.lora.rank",
              "must not exceed the model's hidden size (%d)".formatted(config.hiddenSize())));
    }
    return problems;
  }

  /** The model's shape, or null when it cannot be read (the path check reports that). */
  private static ModelConfig config(RunSpec.Model model) {
    if (model.path() == null) {
      return ModelPreset.named(model.preset()).map(ModelPreset::config).orElse(null);
    }
    Path file = Path.of(model.path()).resolve(DecoderModel.CONFIG_FILE);
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      return ModelConfig.fromJson(file);
    } catch (RuntimeException unreadable) {
      return null;
    }
  }
}
