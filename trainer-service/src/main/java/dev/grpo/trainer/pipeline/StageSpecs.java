package dev.grpo.trainer.pipeline;

import dev.grpo.api.pipeline.PipelineSpec.Stage;
import dev.grpo.api.problem.FieldProblem;
import dev.grpo.api.run.RunSpec;
import dev.grpo.web.InvalidRequestException;
import dev.grpo.web.RecordBinder;
import java.util.List;
import java.util.UUID;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A stage's run spec: the stage's {@code spec} with the fields the pipeline owns set ({@code kind},
 * and the inputs its references resolved to), bound and validated like a run's.
 */
final class StageSpecs {

  private final RecordBinder binder;
  private final ObjectMapper mapper;

  StageSpecs(RecordBinder binder, ObjectMapper mapper) {
    this.binder = binder;
    this.mapper = mapper;
  }

  /**
   * Binds the spec of {@code stage}, number {@code index}; problems are named from the pipeline's
   * root ({@code stages[2].spec.rollout.maxTokens}).
   */
  RunSpec bind(int index, Stage stage, Long initialCheckpoint, UUID trainDataset) {
    ObjectNode body = mapper.valueToTree(stage.spec());
    body.put("kind", mapper.valueToTree(stage.kind()).asString());
    body.remove("initialCheckpoint");
    body.remove("trainDataset");
    if (initialCheckpoint != null) {
      body.put("initialCheckpoint", initialCheckpoint);
    }
    if (trainDataset != null) {
      body.put("trainDataset", trainDataset.toString());
    }
    if (!body.has("name")) {
      body.put("name", stage.name());
    }
    try {
      return binder.bind(body, RunSpec.class);
    } catch (InvalidRequestException e) {
      throw new InvalidRequestException(prefixed(index, e.problems()));
    }
  }

  static List<FieldProblem> prefixed(int index, List<FieldProblem> problems) {
    return problems.stream()
        .map(
            p ->
                new FieldProblem(
                    "stages[" + index + "].spec" + (p.field().equals("$") ? "" : "." + p.field()),
                    p.message()))
        .toList();
  }
}
