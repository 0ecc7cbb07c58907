package dev.grpo.policy.lora;

import dev.grpo.policy.model.ModelConfig;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The linear layers of a Llama/Qwen2 decoder layer an adapter can sit on, with PEFT's module name,
 * the layer's Hugging Face path inside {@code model.layers.{i}} and its (in, out) features.
 */
public enum TargetModule {
  Q_PROJ("q_proj", "self_attn.q_proj"),
  K_PROJ("k_proj", "self_attn.k_proj"),
  V_PROJ("v_proj", "self_attn.v_proj"),
  O_PROJ("o_proj", "self_attn.o_proj"),
  GATE_PROJ("gate_proj", "mlp.gate_proj"),
  UP_PROJ("up_proj", "mlp.up_proj"),
  DOWN_PROJ("down_proj", "mlp.down_proj");

  private final String peftName;
  private final String path;

  TargetModule(String peftName, String path) {
    this.peftName = peftName;
    this.path = path;
  }

  /** The name in PEFT's {@code target_modules}. */
  public String peftName() {
    return peftName;
  }

  /**
   * The Hugging Face prefix of the layer in decoder layer {@code layer}, without {@code .weight}.
   */
  public String prefix(int layer) {
    return "model.layers." + layer + "." + path;
  }

  /** Input features. */
  public long in(ModelConfig c) {
    return switch (this) {
      case Q_PROJ, K_PROJ, V_PROJ, GATE_PROJ, UP_PROJ -> c.hiddenSize();
      case O_PROJ -> (long) c.numAttentionHeads() * c.headDim();
      case DOWN_PROJ -> c.intermediateSize();
    };
  }

  /** Output features. */
  public long out(ModelConfig c) {
    return switch (this) {
      case Q_PROJ -> (long) c.numAttentionHeads() * c.headDim();
      case K_PROJ, V_PROJ -> (long) c.numKeyValueHeads() * c.headDim();
      case O_PROJ, DOWN_PROJ -> c.hiddenSize();
      case GATE_PROJ, UP_PROJ -> c.intermediateSize();
    };
  }

  /** The module PEFT calls {@code name}, if the decoder has one. */
  public static Optional<TargetModule> named(String name) {
    return Arrays.stream(values()).filter(m -> m.peftName.equals(name)).findFirst();
  }

  /** Every PEFT module name the decoder has, in layer order. */
  public static List<String> names() {
    return Arrays.stream(values()).map(TargetModule::peftName).toList();
  }
}
