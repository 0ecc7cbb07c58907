package dev.grpo.policy.lora;

import java.util.List;

/**
 * Low-rank adapters on the decoder's linear layers (Hu et al. 2021, PEFT's {@code LoraConfig}):
 * each targeted {@code W} (out × in) is used as {@code W + (alpha / rank) · B · A} with {@code A}
 * (rank × in) and {@code B} (out × rank), and only {@code A} and {@code B} are trained.
 *
 * @param rank {@code r}, the adapters' inner dimension
 * @param alpha {@code lora_alpha}; the update is scaled by {@code alpha / rank}
 * @param dropout {@code lora_dropout}: dropout on the adapter's input while training (not on the
 *     frozen path), 0 to turn it off
 * @param targetModules the linear layers that get adapters, by PEFT's module names ({@code q_proj},
 *     {@code k_proj}, {@code v_proj}, {@code o_proj}, {@code gate_proj}, {@code up_proj}, {@code
 *     down_proj})
 */
public record LoraConfig(int rank, double alpha, double dropout, List<String> targetModules) {

  public LoraConfig {
    if (rank < 1) {
      throw new IllegalArgumentException("rank must be at least 1");
    }
    if (!(alpha > 0)) {
      throw new IllegalArgumentException("alpha must be positive");
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("dropout must be in [0, 1)");
    }
    if (targetModules == null || targetModules.isEmpty()) {
      throw new IllegalArgumentException("at least one target module");
    }
    for (String m : targetModules) {
      TargetModule.named(m)
          .orElseThrow(
              () ->
                  new IllegalArgumentException(
                      "unknown target module " + m + "; the decoder has " + TargetModule.names()));
    }
    targetModules = List.copyOf(targetModules);
  }

  /** {@code alpha / rank}, the factor of the low-rank update. */
  public double scale() {
    return alpha / rank;
  }
}
