package dev.grpo.rewardmodel;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import dev.grpo.policy.reward.RewardModel;
import dev.grpo.policy.reward.RewardSequence;
import dev.grpo.policy.tokenizer.CharTokenizer;
import dev.grpo.policy.tokenizer.ModelTokenizer;
import dev.grpo.policy.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A reward-model checkpoint on the CPU, scoring (prompt, completion) pairs with forward passes of
 * at most {@code maxBatch} sequences. The tokenizer is the checkpoint's own ({@code
 * tokenizer.json}), else the presets' character tokenizer, and pairs are encoded by {@link
 * RewardSequence} as in training. Forward passes run one at a time on one platform thread of their
 * own: the model is CPU-bound, and libtorch's OpenMP team belongs to the OS thread that calls it,
 * so forward passes on the starter's virtual threads (which move between carriers) would bring up a
 * team per carrier. A caller interrupted while it waits (the rule's per-request budget ran out)
 * stops before the next pass.
 */
final class CheckpointScorer implements AutoCloseable {

  /** A pair that cannot be scored, with why. */
  static final class TooLongException extends IllegalArgumentException {
    TooLongException(String message) {
      super(message);
    }
  }

  private final RewardModel model;
  private final Tokenizer tokenizer;
  private final int maxBatch;
  private final ExecutorService forward =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "reward-model-forward");
            t.setDaemon(true);
            return t;
          });

  CheckpointScorer(Path checkpoint, int maxBatch) {
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be at least 1");
    }
    this.model = RewardModel.load(checkpoint, Device.cpu());
    this.tokenizer =
        Files.isRegularFile(checkpoint.resolve("tokenizer.json"))
            ? ModelTokenizer.load(checkpoint)
            : new CharTokenizer();
    this.maxBatch = maxBatch;
  }

  int maxTokens() {
    return model.maxTokens();
  }

  int maxBatch() {
    return maxBatch;
  }

  /** The token sequence of a pair, or a {@link TooLongException} past the model's context. */
  int[] encode(String prompt, String completion) {
    int[] ids = RewardSequence.encode(tokenizer, prompt == null ? "" : prompt, completion);
    if (ids.length > model.maxTokens()) {
      throw new TooLongException(
          "prompt and completion are "
              + ids.length
              + " tokens, the reward model's context is "
              + model.maxTokens());
    }
    return ids;
  }

  /**
   * Raw rewards of {@code sequences}, in order.
   *
   * @throws InterruptedException when the thread was interrupted between two forward passes
   */
  float[] score(List<int[]> sequences) throws InterruptedException {
    float[] out = new float[sequences.size()];
    for (int from = 0; from < sequences.size(); from += maxBatch) {
      if (Thread.interrupted()) {
        throw new InterruptedException("interrupted after " + from + " sequences");
      }
      List<int[]> batch =
          new ArrayList<>(sequences.subList(from, Math.min(sequences.size(), from + maxBatch)));
      Future<float[]> pass =
          forward.submit(
              () -> {
                // grad mode is per thread and on by default; inference records no graph
                JniUtils.setGradMode(false);
                try (NDManager scope = NDManager.newBaseManager(Device.cpu())) {
                  return model.scores(batch, scope).toFloatArray();
                }
              });
      float[] scores;
      try {
        scores = pass.get();
      } catch (InterruptedException e) {
        pass.cancel(false);
        throw e;
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RuntimeException r) {
          throw r;
        }
        throw new IllegalStateException("forward pass failed", e.getCause());
      }
      System.arraycopy(scores, 0, out, from, scores.length);
    }
    return out;
  }

  @Override
  public void close() {
    forward.shutdownNow();
    try {
      forward.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    model.close();
    tokenizer.close();
  }
}
