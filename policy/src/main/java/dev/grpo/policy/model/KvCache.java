package dev.grpo.policy.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.Arrays;

/**
 * Keys and values of every layer for the positions seen so far, each (batch, kvHeads, length,
 * headDim), after the rotary embedding. Immutable: {@link DecoderModel#forward} returns a new cache
 * and leaves the old one untouched, so callers close the old one when they no longer need it.
 */
public final class KvCache implements AutoCloseable {

  private final NDArray[] keys;
  private final NDArray[] values;

  private KvCache(NDArray[] keys, NDArray[] values) {
    this.keys = keys;
    this.values = values;
  }

  /** A cache with nothing in it, to start a prefill. */
  public static KvCache empty(int numLayers) {
    return new KvCache(new NDArray[numLayers], new NDArray[numLayers]);
  }

  static KvCache of(NDArray[] keys, NDArray[] values) {
    return new KvCache(keys.clone(), values.clone());
  }

  /** Number of layers. */
  public int numLayers() {
    return keys.length;
  }

  /** Number of cached positions (0 when empty). */
  public int length() {
    return keys.length == 0 || keys[0] == null ? 0 : Math.toIntExact(keys[0].getShape().get(2));
  }

  /** Whether nothing is cached yet. */
  public boolean isEmpty() {
    return length() == 0;
  }

  /** Cached keys of one layer, or null when empty. */
  public NDArray keys(int layer) {
    return keys[layer];
  }

  /** Cached values of one layer, or null when empty. */
  public NDArray values(int layer) {
    return values[layer];
  }

  /**
   * A new cache holding only some batch rows, in the given order (a row may repeat): used to fan a
   * shared prefill out to {@code n} samples per prompt and to drop finished sequences. The new
   * arrays belong to the managers of the old ones; this cache is left untouched.
   *
   * @param rows (newBatch) int64 indices into the batch dimension
   */
  public KvCache selectRows(NDArray rows) {
    NDArray[] k = new NDArray[keys.length];
    NDArray[] v = new NDArray[values.length];
    for (int layer = 0; layer < keys.length; layer++) {
      if (keys[layer] != null) {
        k[layer] = keys[layer].get(new NDIndex("{}", rows));
        v[layer] = values[layer].get(new NDIndex("{}", rows));
      }
    }
    return new KvCache(k, v);
  }

  /** Moves every cached array to another manager (e.g. one that outlives a decoding step). */
  public KvCache attach(NDManager manager) {
    for (NDArray a : keys) {
      if (a != null) {
        a.attach(manager);
      }
    }
    for (NDArray a : values) {
      if (a != null) {
        a.attach(manager);
      }
    }
    return this;
  }

  /** Frees the cached arrays. */
  @Override
  public void close() {
    Arrays.stream(keys).filter(a -> a != null).forEach(NDArray::close);
    Arrays.stream(values).filter(a -> a != null).forEach(NDArray::close);
  }
}
