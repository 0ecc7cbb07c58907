package dev.grpo.trainer.pipeline;

import dev.grpo.api.run.RunKind;
import dev.grpo.ledger.step.StepLedger.EvalRow;
import dev.grpo.ledger.step.StepLedger.StepRow;
import dev.grpo.ledger.step.StepState;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a stage's run spent, from what its run recorded in the ledger: the compute of the policy the
 * stage trains ({@code policy}: the SFT of an {@code sft} or {@code distill} stage; a {@code grpo}
 * stage's cold start plus every DONE step, sampling included, so a redone step counts once), and
 * the tokens sampled from another policy ({@code teacher_sampled_tokens}: a distillation's teacher,
 * a rejection-sampling stage's source), which are that policy's compute and not the trained one's.
 * The unit is the trainer's token count: {@code token_passes} = 3 × trained tokens (forward and
 * backward) + forward-only tokens + sampled tokens, ~FLOPs / 2N for a model of N parameters, so two
 * stages that train the same model compare by it. Evaluation is not counted.
 */
final class StageCompute {

  static final String UNIT =
      "token_passes = 3 x train_tokens (forward + backward) + forward_tokens + sampled_tokens"
          + " (~FLOPs / 2N); evaluation not counted";

  private static final List<String> FIELDS =
      List.of("train_tokens", "forward_tokens", "sampled_tokens", "token_passes");

  private StageCompute() {}

  /** The {@code compute} object of a stage whose run of {@code kind} ended with these records. */
  static ObjectNode of(
      RunKind kind, List<EvalRow> evals, List<StepRow> steps, ObjectMapper mapper) {
    ObjectNode policy = mapper.createObjectNode();
    FIELDS.forEach(f -> policy.put(f, 0L));
    long teacher = 0;
    JsonNode last =
        evals.isEmpty() ? mapper.createObjectNode() : evals.get(evals.size() - 1).metrics();
    switch (kind) {
      case GRPO -> {
        for (EvalRow e : evals) {
          add(policy, e.metrics().path("cold_start").path("compute"));
        }
        for (StepRow s : steps) {
          if (s.state() == StepState.DONE) {
            add(policy, s.metrics().path("compute"));
          }
        }
      }
      case SFT -> add(policy, last.path("sft").path("compute"));
      case DISTILL -> {
        add(policy, last.path("sft").path("compute"));
        teacher = last.path("rejection_sampling").path("sampled_tokens").asLong(0);
      }
      case REJECTION_SAMPLING ->
          teacher = last.path("rejection_sampling").path("sampled_tokens").asLong(0);
      case EVAL, REWARD_MODEL -> {}
    }
    ObjectNode out = mapper.createObjectNode();
    out.put("unit", UNIT);
    out.set("policy", policy);
    out.put("teacher_sampled_tokens", teacher);
    return out;
  }

  private static void add(ObjectNode into, JsonNode tally) {
    for (String f : FIELDS) {
      into.put(f, into.get(f).asLong() + tally.path(f).asLong(0));
    }
  }
}
