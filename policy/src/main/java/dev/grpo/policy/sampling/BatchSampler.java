package dev.grpo.policy.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.grpo.policy.model.DecodeSession;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ForwardOutput;
import dev.grpo.policy.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Batched generation for GRPO rollouts: every prompt is prefilled once in one left-padded batch,
 * its key/value cache is fanned out to its {@code n} samples, then every active sample advances one
 * token per step. Finished samples are dropped from the batch (their cache rows are removed), so
 * they cost nothing afterwards.
 *
 * <p><b>Reproducibility.</b> Each sample draws from its own {@link Random}, seeded from the request
 * seed, the prompt's token ids and the sample index, so a sample depends neither on the other
 * prompts of the batch nor on their order. Two consequences: equal prompts in one request get equal
 * samples (use {@code n} for distinct samples), and batching only changes a sample through float
 * rounding of the batched forward pass (about 1e-6 on the logits), which flips a draw only when it
 * falls that close to a boundary between two tokens.
 *
 * <p><b>Log-probs.</b> See {@link LogprobMode}; with {@code RAW} (the default) they equal {@code
 * DecoderModel.logProbs(prompts, completions, temperature, scope)} of the same tokens, where
 * temperature is the sampling temperature (1 for greedy).
 *
 * <p>Not thread-safe in the sense that one DJL model should not run two generations at once on this
 * 2-core machine; it holds no mutable state itself.
 */
public final class BatchSampler {

  /** Whether decoding reuses the key/value cache or recomputes the whole sequence each step. */
  public enum CacheMode {
    /** Prefill once, then one position per step (the normal mode). */
    KV_CACHE,
    /** Re-run the full forward pass on prompt + generated tokens every step; for benchmarks. */
    RECOMPUTE
  }

  private final DecoderModel model;
  private final Tokenizer tokenizer;
  private final CacheMode cacheMode;

  /** A sampler with the key/value cache. */
  public BatchSampler(DecoderModel model, Tokenizer tokenizer) {
    this(model, tokenizer, CacheMode.KV_CACHE);
  }

  /**
   * @param model the policy (its parameters are only read)
   * @param tokenizer decodes completions and supplies EOS and padding ids
   * @param cacheMode {@link CacheMode#KV_CACHE} unless benchmarking
   */
  public BatchSampler(DecoderModel model, Tokenizer tokenizer, CacheMode cacheMode) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.cacheMode = cacheMode;
  }

  /** One sample being generated; its host-side state. */
  private static final class Sequence {
    final int promptIndex;
    final int sampleIndex;
    final int[] prompt;
    final Random random;
    final int[] tokens;
    final float[] logProbs;
    int length;
    FinishReason finish;
    String stopString;
    int stopTokenId = -1;
    String text;

    Sequence(int promptIndex, int sampleIndex, int[] prompt, long seed, int maxTokens) {
      this.promptIndex = promptIndex;
      this.sampleIndex = sampleIndex;
      this.prompt = prompt;
      this.random = new Random(streamSeed(seed, prompt, sampleIndex));
      this.tokens = new int[maxTokens];
      this.logProbs = new float[maxTokens];
    }

    int lastToken() {
      return tokens[length - 1];
    }

    /** Position id of the last generated token. */
    int lastPosition() {
      return prompt.length + length - 1;
    }
  }

  /**
   * Generates {@code params.n()} completions for every prompt.
   *
   * @param prompts token ids, at least one per prompt (prepend BOS yourself if the model wants it)
   * @return {@code prompts.size() * n} samples, prompt-major: sample {@code j} of prompt {@code i}
   *     is at {@code i * n + j}, so the samples of one GRPO group are contiguous
   */
  public List<SampleOutput> generate(List<int[]> prompts, SamplingParams params) {
    if (prompts.isEmpty() || prompts.stream().anyMatch(p -> p.length == 0)) {
      throw new IllegalArgumentException("need at least one prompt, each non-empty");
    }
    int longest = prompts.stream().mapToInt(p -> p.length).max().orElseThrow();
    int limit = model.config().maxPositionEmbeddings();
    if (longest + params.maxTokens() > limit) {
      throw new IllegalArgumentException(
          "prompt ("
              + longest
              + ") plus maxTokens ("
              + params.maxTokens()
              + ") exceed max_position_embeddings "
              + limit);
    }
    Set<Integer> stopIds = new HashSet<>(params.stopTokenIds());
    if (!params.ignoreEos() && tokenizer.eosId() >= 0) {
      stopIds.add(tokenizer.eosId());
    }
    int n = params.n();
    List<Sequence> all = new ArrayList<>(prompts.size() * n);
    for (int i = 0; i < prompts.size(); i++) {
      for (int j = 0; j < n; j++) {
        all.add(new Sequence(i, j, prompts.get(i), params.seed(), params.maxTokens()));
      }
    }
    Decoding decoding = new Decoding(params, stopIds);
    if (cacheMode == CacheMode.KV_CACHE) {
      decoding.withCache(prompts, all);
    } else {
      decoding.recomputing(prompts, all);
    }
    List<SampleOutput> outputs = new ArrayList<>(all.size());
    for (Sequence s : all) {
      outputs.add(
          new SampleOutput(
              s.promptIndex,
              s.sampleIndex,
              Arrays.copyOf(s.tokens, s.length),
              Arrays.copyOf(s.logProbs, s.length),
              s.finish,
              s.stopString,
              s.stopTokenId,
              s.text));
    }
    return outputs;
  }

  /** State of one {@link #generate} call. */
  private final class Decoding {
    private final SamplingParams params;
    private final Set<Integer> stopIds;
    private final TokenSelector selector;
    private final int vocab = model.config().vocabSize();

    Decoding(SamplingParams params, Set<Integer> stopIds) {
      this.params = params;
      this.stopIds = stopIds;
      this.selector = new TokenSelector(params);
    }

    void withCache(List<int[]> prompts, List<Sequence> all) {
      int longest = prompts.stream().mapToInt(p -> p.length).max().orElseThrow();
      try (DecodeSession session = model.decodeSession(longest + params.maxTokens())) {
        float[] logits;
        try (NDManager scope = NDManager.newBaseManager(model.device())) {
          Batch prefill = leftPadded(prompts, scope);
          logits = session.prefill(prefill.ids, prefill.mask, prefill.positions);
        }
        // First token of every sample from its prompt's prefill row; the draws differ per sample.
        List<Sequence> active = new ArrayList<>();
        long[] sourceRows = new long[all.size()];
        for (Sequence s : all) {
          if (!advance(s, logits, s.promptIndex)) {
            sourceRows[active.size()] = s.promptIndex;
            active.add(s);
          }
        }
        if (!active.isEmpty() && !isIdentity(sourceRows, active.size(), prompts.size())) {
          // Fan the shared prefill out to the surviving samples: n cache rows per prompt.
          session.selectRows(sourceRows, active.size());
        }
        while (!active.isEmpty()) {
          long[] ids = new long[active.size()];
          long[] positions = new long[active.size()];
          for (int r = 0; r < ids.length; r++) {
            ids[r] = active.get(r).lastToken();
            positions[r] = active.get(r).lastPosition();
          }
          logits = session.decode(ids, positions);
          List<Sequence> still = new ArrayList<>(active.size());
          long[] keep = new long[active.size()];
          for (int r = 0; r < active.size(); r++) {
            if (!advance(active.get(r), logits, r)) {
              keep[still.size()] = r;
              still.add(active.get(r));
            }
          }
          if (still.size() < active.size() && !still.isEmpty()) {
            // Drop finished rows so they stop costing attention and MLP work.
            session.selectRows(keep, still.size());
          }
          active = still;
        }
      }
    }

    void recomputing(List<int[]> prompts, List<Sequence> all) {
      try (NDManager generation = NDManager.newBaseManager(model.device())) {
        float[] logits;
        try (NDManager scope = generation.newSubManager()) {
          logits = forwardFull(prompts, scope);
        }
        List<Sequence> active = new ArrayList<>();
        for (Sequence s : all) {
          if (!advance(s, logits, s.promptIndex)) {
            active.add(s);
          }
        }
        while (!active.isEmpty()) {
          List<int[]> sequences = new ArrayList<>(active.size());
          for (Sequence s : active) {
            int[] full = Arrays.copyOf(s.prompt, s.prompt.length + s.length);
            System.arraycopy(s.tokens, 0, full, s.prompt.length, s.length);
            sequences.add(full);
          }
          try (NDManager scope = generation.newSubManager()) {
            logits = forwardFull(sequences, scope);
          }
          List<Sequence> still = new ArrayList<>(active.size());
          for (int r = 0; r < active.size(); r++) {
            if (!advance(active.get(r), logits, r)) {
              still.add(active.get(r));
            }
          }
          active = still;
        }
      }
    }

    private float[] forwardFull(List<int[]> sequences, NDManager scope) {
      Batch batch = leftPadded(sequences, scope);
      ForwardOutput out = model.forwardLastPosition(batch.ids, batch.mask, batch.positions, null);
      return hostLogits(out);
    }

    /** The (batch, 1, vocab) logits as one float array: the only per-step device-to-host copy. */
    private float[] hostLogits(ForwardOutput out) {
      return out.logits().toType(DataType.FLOAT32, false).toFloatArray();
    }

    /**
     * Samples the next token of {@code s} from row {@code row} of {@code logits}, records it and
     * checks the stop conditions.
     *
     * @return whether {@code s} is finished
     */
    private boolean advance(Sequence s, float[] logits, int row) {
      TokenSelector.Choice choice = selector.choose(logits, row * vocab, vocab, s.random);
      s.tokens[s.length] = choice.token();
      s.logProbs[s.length] = choice.logProb();
      s.length++;
      if (stopIds.contains(choice.token())) {
        s.finish = FinishReason.STOP;
        s.stopTokenId = choice.token();
        int textTokens = params.includeStopStrInOutput() ? s.length : s.length - 1;
        s.text = tokenizer.decode(Arrays.copyOf(s.tokens, textTokens));
        return true;
      }
      String text = null;
      if (!params.stop().isEmpty()) {
        text = tokenizer.decode(Arrays.copyOf(s.tokens, s.length));
        int at = -1;
        String found = null;
        for (String stop : params.stop()) {
          int i = text.indexOf(stop);
          if (i >= 0 && (at < 0 || i < at)) {
            at = i;
            found = stop;
          }
        }
        if (found != null) {
          s.finish = FinishReason.STOP;
          s.stopString = found;
          s.text = text.substring(0, at + (params.includeStopStrInOutput() ? found.length() : 0));
          return true;
        }
      }
      if (s.length == params.maxTokens()) {
        s.finish = FinishReason.LENGTH;
        s.text = text != null ? text : tokenizer.decode(Arrays.copyOf(s.tokens, s.length));
        return true;
      }
      return false;
    }

    private record Batch(NDArray ids, NDArray mask, NDArray positions) {}

    /**
     * Left-padded ids, attention mask (1 real, 0 padding) and explicit position ids (0.. from each
     * sequence's first real token), so padding changes nothing but rounding.
     */
    private Batch leftPadded(List<int[]> sequences, NDManager manager) {
      int batch = sequences.size();
      int width = sequences.stream().mapToInt(p -> p.length).max().orElseThrow();
      long[] ids = new long[batch * width];
      long[] positions = new long[batch * width];
      float[] mask = new float[batch * width];
      int pad = Math.max(tokenizer.padId(), 0);
      for (int i = 0; i < batch; i++) {
        int[] seq = sequences.get(i);
        int offset = width - seq.length;
        Arrays.fill(ids, i * width, i * width + offset, pad);
        for (int t = 0; t < seq.length; t++) {
          ids[i * width + offset + t] = seq[t];
          positions[i * width + offset + t] = t;
          mask[i * width + offset + t] = 1f;
        }
      }
      Shape shape = new Shape(batch, width);
      return new Batch(
          manager.create(ids, shape).toDevice(model.device(), false),
          manager.create(mask, shape).toDevice(model.device(), false),
          manager.create(positions, shape).toDevice(model.device(), false));
    }
  }

  /** Whether rows {@code 0..count-1} of {@code rows} are exactly {@code 0..batch-1}. */
  private static boolean isIdentity(long[] rows, int count, int batch) {
    if (count != batch) {
      return false;
    }
    for (int i = 0; i < count; i++) {
      if (rows[i] != i) {
        return false;
      }
    }
    return true;
  }

  /** SplitMix64 of the request seed, the prompt's ids and the sample index. */
  static long streamSeed(long seed, int[] prompt, int sampleIndex) {
    long h = mix(seed ^ 0x9E3779B97F4A7C15L);
    for (int id : prompt) {
      h = mix(h ^ id);
    }
    return mix(h ^ ((long) sampleIndex << 32 | 0x5bd1e995L));
  }

  private static long mix(long z) {
    z += 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
