package dev.grpo.trainer.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class AdamWTest {

  private static final JsonNode FIXTURE = load("/grpo/adamw_trajectory.json");

  /**
   * A fixed quadratic/cubic toy loss, the same one grpo_reference.py differentiates in torch. No
   * {@code op(Number)} calls on the gradient path: see dev.grpo.policy.model.GraphConstants.
   */
  private record Toy(NDArray w, NDArray b, NDArray target, NDArray scale, NDArray coeff) {
    List<NamedParameter> parameters() {
      return List.of(new NamedParameter("w", w), new NamedParameter("b", b));
    }

    void backward() {
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDArray loss =
            w.sub(target).square().mul(scale).sum().add(b.mul(b).mul(b).mul(coeff).sum());
        collector.backward(loss);
      }
    }
  }

  private static Toy toy(NDManager manager, float[][] w, float[] b) {
    NDArray wArray = manager.create(w);
    NDArray bArray = manager.create(b);
    wArray.setRequiresGradient(true);
    bArray.setRequiresGradient(true);
    return new Toy(
        wArray,
        bArray,
        manager.create(floats2(FIXTURE.get("target"))),
        manager.create(floats2(FIXTURE.get("scale"))),
        manager.create(floats(FIXTURE.get("coeff"))));
  }

  private static AdamW fixtureOptimizer() {
    JsonNode hp = FIXTURE.get("hyper");
    return new AdamW(
        new AdamW.Config(
            hp.get("lr").asDouble(),
            hp.get("beta1").asDouble(),
            hp.get("beta2").asDouble(),
            hp.get("eps").asDouble(),
            hp.get("weight_decay").asDouble(),
            hp.get("max_grad_norm").asDouble()),
        LearningRateSchedule.cosineWithWarmup(hp.get("warmup").asInt(), hp.get("total").asInt()));
  }

  @Test
  void followsTorchAdamWWithWarmupCosineAndClipping() {
    JsonNode init = FIXTURE.get("init");
    JsonNode steps = FIXTURE.get("steps");
    double worst = 0;
    try (NDManager manager = NDManager.newBaseManager();
        AdamW optimizer = fixtureOptimizer()) {
      Toy toy = toy(manager, floats2(init.get("w")), floats(init.get("b")));
      for (int k = 0; k < steps.size(); k++) {
        JsonNode expected = steps.get(k);
        toy.backward();
        AdamW.StepReport report = optimizer.step(toy.parameters());
        AdamW.zeroGradients(toy.parameters());
        assertThat(report.step()).isEqualTo(k + 1);
        assertThat(report.learningRate()).isCloseTo(expected.get("lr").asDouble(), offset(1e-15));
        assertThat(report.gradNorm())
            .isCloseTo(expected.get("grad_norm").asDouble(), offset(1e-5 * report.gradNorm()));
        worst = Math.max(worst, maxAbsDiff(toy.w(), floats2(expected.get("w"))));
        worst = Math.max(worst, maxAbsDiff(toy.b(), new float[][] {floats(expected.get("b"))}));
        assertThat(worst).as("max |param - torch| after step %d", k + 1).isLessThan(1e-6);
      }
    }
    System.out.println("AdamW vs torch.optim.AdamW max |param deviation|: " + worst);
  }

  @Test
  void firstStepOfAWarmupRunsAtLearningRateZeroAndLeavesParametersUnchanged() {
    try (NDManager manager = NDManager.newBaseManager();
        AdamW optimizer = fixtureOptimizer()) {
      JsonNode init = FIXTURE.get("init");
      Toy toy = toy(manager, floats2(init.get("w")), floats(init.get("b")));
      float[] before = toy.w().toFloatArray();
      toy.backward();
      assertThat(optimizer.step(toy.parameters()).learningRate()).isZero();
      assertThat(toy.w().toFloatArray()).containsExactly(before);
    }
  }

  @Test
  void stateRoundTripThroughSafetensorsContinuesIdentically() throws IOException {
    JsonNode init = FIXTURE.get("init");
    try (NDManager manager = NDManager.newBaseManager();
        AdamW original = fixtureOptimizer();
        AdamW restored = fixtureOptimizer()) {
      Toy a = toy(manager, floats2(init.get("w")), floats(init.get("b")));
      for (int k = 0; k < 3; k++) {
        a.backward();
        original.step(a.parameters());
        AdamW.zeroGradients(a.parameters());
      }
      // Checkpoint: optimizer state + parameters, through the safetensors encoding.
      Map<String, NDArray> state = original.exportState(manager);
      assertThat(state.keySet())
          .containsExactlyInAnyOrder(
              AdamW.STEP_KEY, "w.exp_avg", "w.exp_avg_sq", "b.exp_avg", "b.exp_avg_sq");
      NDList list = new NDList();
      state.forEach(
          (name, array) -> {
            array.setName(name);
            list.add(array);
          });
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      list.encode(bytes, NDList.Encoding.SAFETENSORS);
      NDList decoded = NDList.decode(manager, bytes.toByteArray());
      Map<String, NDArray> reloaded = new LinkedHashMap<>();
      decoded.forEach(array -> reloaded.put(array.getName(), array));
      restored.importState(reloaded);
      assertThat(restored.stepCount()).isEqualTo(3);

      Toy b = toy(manager, new float[3][4], new float[4]);
      b.w().set(a.w().toFloatArray());
      b.b().set(a.b().toFloatArray());
      for (int k = 0; k < 4; k++) {
        a.backward();
        b.backward();
        AdamW.StepReport ra = original.step(a.parameters());
        AdamW.StepReport rb = restored.step(b.parameters());
        AdamW.zeroGradients(a.parameters());
        AdamW.zeroGradients(b.parameters());
        assertThat(rb).isEqualTo(ra);
        assertThat(b.w().toFloatArray()).containsExactly(a.w().toFloatArray());
        assertThat(b.b().toFloatArray()).containsExactly(a.b().toFloatArray());
      }
    }
  }

  @Test
  void weightDecayIsDecoupledFromTheGradient() {
    try (NDManager manager = NDManager.newBaseManager();
        AdamW optimizer =
            new AdamW(
                new AdamW.Config(0.1, 0.9, 0.999, 1e-8, 0.5, 0), LearningRateSchedule.constant())) {
      NDArray p = manager.create(new float[] {2f, -4f});
      p.setRequiresGradient(true);
      List<NamedParameter> params = List.of(new NamedParameter("p", p));
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        collector.backward(p.mul(manager.zeros(p.getShape())).sum()); // zero gradient
      }
      optimizer.step(params);
      // Zero gradient: Adam's term is 0/(0+eps) = 0, only p·(1 − lr·wd) = 0.95·p remains.
      assertThat(p.toFloatArray()).containsExactly(1.9f, -3.8f);
    }
  }

  @Test
  void importRejectsStateWithoutStep() {
    try (NDManager manager = NDManager.newBaseManager();
        AdamW optimizer = new AdamW(AdamW.Config.defaults(), LearningRateSchedule.constant())) {
      assertThatThrownBy(
              () ->
                  optimizer.importState(
                      Map.of("w.exp_avg", manager.zeros(new ai.djl.ndarray.types.Shape(2)))))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  private static double maxAbsDiff(NDArray actual, float[][] expected) {
    float[] got = actual.toType(DataType.FLOAT32, false).toFloatArray();
    double worst = 0;
    int i = 0;
    for (float[] row : expected) {
      for (float e : row) {
        worst = Math.max(worst, Math.abs(got[i++] - e));
      }
    }
    assertThat(i).isEqualTo(got.length);
    return worst;
  }

  private static float[] floats(JsonNode node) {
    float[] out = new float[node.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) node.get(i).asDouble();
    }
    return out;
  }

  private static float[][] floats2(JsonNode node) {
    float[][] out = new float[node.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = floats(node.get(i));
    }
    return out;
  }

  private static JsonNode load(String resource) {
    try (InputStream in = AdamWTest.class.getResourceAsStream(resource)) {
      return new JsonMapper().readTree(in);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
