package dev.grpo.trainer.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.api.problem.FieldProblem;
import dev.grpo.api.run.RunSpec;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** {@code model.lora} against the model: rank within the hidden size, modules the model has. */
class LoraSpecCheckTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static RunSpec spec(String model) {
    return JSON.readValue("{\"model\":" + model + "}", RunSpec.class);
  }

  @Test
  void defaultsArePeftsUsualOnesAndPassOnTheTinyPreset() {
    RunSpec spec = spec("{\"preset\":\"tiny\",\"lora\":{}}");
    RunSpec.Lora lora = spec.model().lora();
    assertThat(lora.rank()).isEqualTo(8);
    assertThat(lora.alpha()).isEqualTo(16.0);
    assertThat(lora.dropout()).isEqualTo(0.05);
    assertThat(lora.targetModules()).containsExactly("q_proj", "k_proj", "v_proj", "o_proj");
    assertThat(LoraSpecCheck.problems(spec)).isEmpty();
    assertThat(spec.crossFieldProblems()).isEmpty();
  }

  @Test
  void aRankAboveTheHiddenSizeAndModulesTheModelLacksAreNamedByField() {
    // the tiny preset's hidden size is 64
    RunSpec spec =
        spec(
            "{\"preset\":\"tiny\",\"lora\":{\"rank\":65,"
                + "\"targetModules\":[\"q_proj\",\"c_attn\",\"q_proj\"]}}");
    assertThat(LoraSpecCheck.problems(spec))
        .extracting(FieldProblem::field, FieldProblem::message)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(
                "model.lora.targetModules[1]",
                "the model has no module 'c_attn'; its linear layers are [q_proj, k_proj, v_proj,"
                    + " o_proj, gate_proj, up_proj, down_proj]"),
            org.assertj.core.groups.Tuple.tuple(
                "model.lora.targetModules[2]", "'q_proj' is repeated"),
            org.assertj.core.groups.Tuple.tuple(
                "model.lora.rank", "must not exceed the model's hidden size (64)"));
    assertThat(LoraSpecCheck.problems(spec("{\"preset\":\"tiny\",\"lora\":{\"rank\":64}}")))
        .isEmpty();
  }

  @Test
  void aMovingReferenceIsRefusedWithAdapters() {
    RunSpec spec =
        JSON.readValue(
            "{\"model\":{\"lora\":{}},\"algorithm\":{\"referenceSync\":{\"mode\":\"reset\"}}}",
            RunSpec.class);
    assertThat(spec.crossFieldProblems())
        .extracting(FieldProblem::field)
        .contains("algorithm.referenceSync.mode");
    assertThat(spec("{}").model().lora()).isNull();
  }

  @Test
  void adaptersAreRefusedWithPpoAndOnRunsThatAreNotGrpo() {
    RunSpec ppo =
        JSON.readValue(
            "{\"model\":{\"lora\":{}},\"algorithm\":{\"policyLoss\":\"ppo\"}}", RunSpec.class);
    assertThat(ppo.crossFieldProblems())
        .filteredOn(p -> p.field().equals("model.lora"))
        .extracting(FieldProblem::message)
        .containsExactly(
            "is not supported with algorithm.policyLoss ppo yet: the critic would copy the"
                + " adapted policy");
    RunSpec rm =
        JSON.readValue("{\"kind\":\"reward_model\",\"model\":{\"lora\":{}}}", RunSpec.class);
    assertThat(rm.crossFieldProblems())
        .filteredOn(p -> p.field().equals("model.lora"))
        .extracting(FieldProblem::message)
        .containsExactly("applies to grpo runs only; this run's kind is reward_model");
  }
}
