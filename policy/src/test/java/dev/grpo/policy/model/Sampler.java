package dev.grpo.policy.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Minimal batched generation with the key/value cache: left-padded prefill, then one token per
 * step, greedy ({@code temperature <= 0}) or sampled from {@code softmax(logits / temperature)}
 * with a seeded {@link Random}, until every sequence has produced {@code eosId} or {@code
 * maxNewTokens} tokens.
 */
public final class Sampler {

  /**
   * What to generate.
   *
   * @param maxNewTokens upper bound on generated tokens per sequence
   * @param temperature 0 (or less) for greedy decoding
   * @param eosId generation of a sequence stops after this token (it is kept in the output)
   * @param padId id fed for padding (its value does not matter, it is masked out)
   * @param seed seed of the sampling random generator
   */
  public record Options(int maxNewTokens, float temperature, int eosId, int padId, long seed) {
    public Options {
      if (maxNewTokens < 0) {
        throw new IllegalArgumentException("maxNewTokens must be >= 0");
      }
    }

    /** Greedy decoding. */
    public static Options greedy(int maxNewTokens, int eosId, int padId) {
      return new Options(maxNewTokens, 0f, eosId, padId, 0L);
    }
  }

  private final DecoderModel model;

  public Sampler(DecoderModel model) {
    this.model = model;
  }

  /**
   * Generates a completion for every prompt.
   *
   * @param prompts token ids, at least one per prompt
   * @return generated ids per prompt (ending with {@code eosId} when it was produced)
   */
  // Over 80 lines on purpose: the plain reference sampler the batched one is compared with; kept as
  // one readable loop.
  public List<int[]> generate(List<int[]> prompts, Options options) {
    int batch = prompts.size();
    int promptLength = prompts.stream().mapToInt(p -> p.length).max().orElse(0);
    if (batch == 0 || prompts.stream().anyMatch(p -> p.length == 0)) {
      throw new IllegalArgumentException("need at least one prompt, each non-empty");
    }
    int limit = model.config().maxPositionEmbeddings();
    if (promptLength + options.maxNewTokens() > limit) {
      throw new IllegalArgumentException(
          "prompt plus new tokens exceed max_position_embeddings " + limit);
    }
    int[][] generated = new int[batch][options.maxNewTokens()];
    int[] produced = new int[batch];
    boolean[] finished = new boolean[batch];
    int[] realLength = prompts.stream().mapToInt(p -> p.length).toArray();
    Random random = new Random(options.seed());
    int vocab = model.config().vocabSize();

    long[] ids = new long[batch * promptLength];
    long[] positions = new long[batch * promptLength];
    List<float[]> maskColumns = new ArrayList<>();
    for (int t = 0; t < promptLength; t++) {
      maskColumns.add(new float[batch]);
    }
    for (int i = 0; i < batch; i++) {
      int[] p = prompts.get(i);
      int offset = promptLength - p.length;
      Arrays.fill(ids, i * promptLength, i * promptLength + offset, options.padId());
      for (int t = 0; t < p.length; t++) {
        ids[i * promptLength + offset + t] = p[t];
        positions[i * promptLength + offset + t] = t;
        maskColumns.get(offset + t)[i] = 1f;
      }
    }

    try (NDManager generation = NDManager.newBaseManager(model.device())) {
      KvCache cache = KvCache.empty(model.config().numHiddenLayers());
      int stepLength = promptLength;
      for (int step = 0; step < options.maxNewTokens(); step++) {
        float[] lastLogits;
        try (NDManager scope = generation.newSubManager()) {
          NDArray input = scope.create(ids, new Shape(batch, stepLength));
          NDArray position = scope.create(positions, new Shape(batch, stepLength));
          NDArray mask =
              scope
                  .create(maskMatrix(maskColumns, batch), new Shape(maskColumns.size(), batch))
                  .transpose();
          ForwardOutput out = model.forward(input, mask, position, cache);
          KvCache next = out.cache().attach(generation);
          cache.close();
          cache = next;
          lastLogits =
              out.logits()
                  .get(":, -1, :")
                  .toType(DataType.FLOAT32, false)
                  .toDevice(ai.djl.Device.cpu(), false)
                  .toFloatArray();
        }
        ids = new long[batch];
        positions = new long[batch];
        float[] column = new float[batch];
        for (int i = 0; i < batch; i++) {
          column[i] = 1f;
          if (finished[i]) {
            ids[i] = options.padId();
            positions[i] = realLength[i];
            continue;
          }
          int token = pick(lastLogits, i * vocab, vocab, options.temperature(), random);
          generated[i][produced[i]++] = token;
          ids[i] = token;
          positions[i] = realLength[i]++;
          finished[i] = token == options.eosId();
        }
        maskColumns.add(column);
        stepLength = 1;
        boolean allDone = true;
        for (boolean f : finished) {
          allDone &= f;
        }
        if (allDone) {
          break;
        }
      }
      cache.close();
    }
    List<int[]> completions = new ArrayList<>(batch);
    for (int i = 0; i < batch; i++) {
      completions.add(Arrays.copyOf(generated[i], produced[i]));
    }
    return completions;
  }

  private static float[] maskMatrix(List<float[]> columns, int batch) {
    float[] flat = new float[columns.size() * batch];
    for (int t = 0; t < columns.size(); t++) {
      System.arraycopy(columns.get(t), 0, flat, t * batch, batch);
    }
    return flat;
  }

  /** Greedy argmax (first maximum) or a draw from the tempered softmax. */
  static int pick(float[] logits, int offset, int vocab, float temperature, Random random) {
    int best = 0;
    for (int v = 1; v < vocab; v++) {
      if (logits[offset + v] > logits[offset + best]) {
        best = v;
      }
    }
    if (temperature <= 0f) {
      return best;
    }
    double max = logits[offset + best] / (double) temperature;
    double[] weights = new double[vocab];
    double total = 0;
    for (int v = 0; v < vocab; v++) {
      weights[v] = Math.exp(logits[offset + v] / (double) temperature - max);
      total += weights[v];
    }
    double u = random.nextDouble() * total;
    for (int v = 0; v < vocab; v++) {
      u -= weights[v];
      if (u < 0) {
        return v;
      }
    }
    return best;
  }
}
