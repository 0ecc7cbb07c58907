package dev.grpo.policy.model;

import dev.grpo.policy.tokenizer.CharTokenizer;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The built-in models a run spec ({@code model.preset}) or an embedded backend ({@code model})
 * names instead of a model directory: Llama-style decoders for the character tokenizer, with random
 * weights drawn from a seed. This is the one place their sizes are written down.
 */
public enum ModelPreset {

  /**
   * A student for distillation: hidden 32, 2 layers, 2 query heads and 1 key/value head, 512
   * positions.
   */
  MICRO(32, 88, 2, 2, 1, 16, 512),

  /** The demo model: hidden 64, 3 layers, 4 query and 2 key/value heads, 512 positions. */
  TINY(64, 176, 3, 4, 2, 16, 512),

  /** Four times wider: hidden 256, 4 layers, 8 query and 4 key/value heads, 1024 positions. */
  SMALL(256, 704, 4, 8, 4, 32, 1024);

  private final int hiddenSize;
  private final int intermediateSize;
  private final int layers;
  private final int attentionHeads;
  private final int keyValueHeads;
  private final int headDim;
  private final int maxPositions;

  ModelPreset(
      int hiddenSize,
      int intermediateSize,
      int layers,
      int attentionHeads,
      int keyValueHeads,
      int headDim,
      int maxPositions) {
    this.hiddenSize = hiddenSize;
    this.intermediateSize = intermediateSize;
    this.layers = layers;
    this.attentionHeads = attentionHeads;
    this.keyValueHeads = keyValueHeads;
    this.headDim = headDim;
    this.maxPositions = maxPositions;
  }

  /** The name a spec spells it with: {@code tiny}, {@code small}. */
  public String presetName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The configuration for the character tokenizer ({@link CharTokenizer#VOCAB_SIZE} ids). */
  public ModelConfig config() {
    return config(CharTokenizer.VOCAB_SIZE);
  }

  /** The configuration with another vocabulary size. */
  public ModelConfig config(int vocabSize) {
    return new ModelConfig(
        "llama",
        hiddenSize,
        intermediateSize,
        layers,
        attentionHeads,
        keyValueHeads,
        headDim,
        vocabSize,
        maxPositions,
        1e-6,
        10000.0,
        true,
        false,
        false);
  }

  /** The preset a spec names, if {@code name} is one ({@code tiny}, {@code small}). */
  public static Optional<ModelPreset> named(String name) {
    return Arrays.stream(values()).filter(p -> p.presetName().equals(name)).findFirst();
  }

  /** Every preset name, in declaration order. */
  public static List<String> names() {
    return Arrays.stream(values()).map(ModelPreset::presetName).toList();
  }
}
