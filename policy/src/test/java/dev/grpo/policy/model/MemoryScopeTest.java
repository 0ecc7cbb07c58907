package dev.grpo.policy.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.lang.reflect.Field;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Work on the model must not leave arrays behind in the model's own manager. */
class MemoryScopeTest {

  private static int resources(NDManager manager) throws Exception {
    Field field = BaseNDManager.class.getDeclaredField("resources");
    field.setAccessible(true);
    return ((Map<?, ?>) field.get(manager)).size();
  }

  @Test
  void forwardLogProbsBackwardAndSamplingAllocateOutsideTheModelManager() throws Exception {
    try (DecoderModel model = DecoderModel.randomInit(ModelConfig.tiny(104), 9, Device.cpu())) {
      int before = resources(model.manager());
      assertThat(before).isEqualTo(model.parameters().size());
      try (NDManager scope = NDManager.newBaseManager(Device.cpu())) {
        model.forward(
            scope.create(new long[] {1, 2, 3, 4}, new Shape(2, 2)),
            null,
            null,
            KvCache.empty(model.config().numHiddenLayers()));
        model.setRequiresGradient(true);
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          TokenLogProbs lp =
              model.logProbs(List.of(new int[] {1, 5}), List.of(new int[] {6, 7, 2}), scope);
          collector.backward(lp.logProbs().sum());
        }
        model.zeroGradients();
        model.setRequiresGradient(false);
      }
      new Sampler(model)
          .generate(List.of(new int[] {1, 20}, new int[] {1}), Sampler.Options.greedy(5, 2, 0));
      assertThat(resources(model.manager())).isEqualTo(before);
    }
  }
}
