package dev.grpo.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;

/**
 * A trainable array and the stable name its optimizer state is keyed by (the checkpoint key). The
 * array must have gradients enabled ({@code setRequiresGradient(true)}); its gradient is read with
 * {@link NDArray#getGradient()}.
 */
public record NamedParameter(String name, NDArray array) {

  public NamedParameter {
    if (name == null || name.isEmpty() || array == null) {
      throw new IllegalArgumentException("a parameter needs a name and an array");
    }
  }

  /** The initialised parameters of a DJL block that require gradients, in block order. */
  public static List<NamedParameter> of(Block block) {
    List<NamedParameter> out = new ArrayList<>();
    for (Pair<String, Parameter> p : block.getParameters()) {
      Parameter parameter = p.getValue();
      if (parameter.isInitialized() && parameter.requiresGradient()) {
        out.add(new NamedParameter(p.getKey(), parameter.getArray()));
      }
    }
    return out;
  }
}
