package dev.grpo.trainer.step;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import dev.grpo.api.run.RunSpec;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.trainer.grpo.PolicyLoss;
import dev.grpo.trainer.ppo.ValueModel;
import dev.grpo.trainer.ppo.ValueModelKind;
import dev.grpo.trainer.train.Critic;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PpoRunConfigsTest {

  @Test
  void ppoIsTheClipSurrogateWithACriticOfTheSpecsSettings() {
    RunSpec spec =
        StepFixtures.spec(
            """
            {"algorithm": {"policyLoss": "ppo", "valueModel": {"kind": "head", "valueClip": 0.5,
                           "coefficient": 0.25, "learningRate": 0.002},
                           "gae": {"gamma": 0.99, "lambda": 0.9, "whiten": false}}}
            """);
    assertThat(RunConfigs.grpoConfig(spec).policyLoss()).isEqualTo(PolicyLoss.CLIP);
    var ppo = RunConfigs.ppoConfig(spec);
    assertThat(ppo.kind()).isEqualTo(ValueModelKind.HEAD);
    assertThat(ppo.gamma()).isEqualTo(0.99);
    assertThat(ppo.lambda()).isEqualTo(0.9);
    assertThat(ppo.whitenAdvantages()).isFalse();
    assertThat(ppo.valueClip()).isEqualTo(0.5);
    assertThat(ppo.valueCoefficient()).isEqualTo(0.25);
    try (DecoderModel policy = RunConfigs.initialPolicy(spec);
        Critic critic = RunConfigs.critic(spec, policy)) {
      assertThat(critic.optimizer().currentLearningRate()).isEqualTo(0.002);
      // a head: hidden size + 1 scalars, the policy's weights are not the critic's
      assertThat(critic.model().parameters().keySet())
          .containsExactly(ValueModel.HEAD_WEIGHT, ValueModel.HEAD_BIAS);
      assertThat(critic.model().parameterCount()).isEqualTo(policy.config().hiddenSize() + 1L);
    }
    assertThat(RunConfigs.ppoConfig(StepFixtures.spec("{}"))).isNull();
  }

  @Test
  void aSeparateCriticOwnsACopyOfThePolicyNotAView() {
    RunSpec spec = StepFixtures.spec("{\"algorithm\": {\"policyLoss\": \"ppo\"}}");
    try (DecoderModel policy = RunConfigs.initialPolicy(spec);
        Critic critic = RunConfigs.critic(spec, policy)) {
      Map<String, NDArray> policyWeights = policy.parameters();
      String name = policyWeights.keySet().iterator().next();
      float[] before = policyWeights.get(name).toFloatArray();
      NDArray copy = critic.model().parameters().get(ValueModel.BACKBONE_PREFIX + name);
      assertThat(copy.toFloatArray()).containsExactly(before);
      copy.muli(0.0).addi(1.0); // as a critic update writes, in place
      assertThat(policyWeights.get(name).toFloatArray()).containsExactly(before);
      assertThat(critic.model().parameterCount())
          .isEqualTo(
              policyWeights.values().stream().mapToLong(a -> a.getShape().size()).sum()
                  + policy.config().hiddenSize()
                  + 1);
      assertThat(policy.device()).isEqualTo(Device.cpu());
    }
  }
}
