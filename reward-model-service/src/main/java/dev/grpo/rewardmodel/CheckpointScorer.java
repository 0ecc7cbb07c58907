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

/**
 * A reward-model checkpoint on the CPU, scoring (prompt, completion) pairs with forward passes of
 * at most {@code maxBatch} sequences. The tokenizer is the checkpoint's own ({@code
 * tokenizer.json}), else the presets' character tokenizer, and pairs are encoded by {@link
 * RewardSequence} as in training. One forward pass runs at a time (the model is CPU-bound and its
 * intermediates are per call); between passes the scorer stops if its thread is interrupted, which
 * is how the rule's per-request budget ends a request that outlives it.
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
  private final Object forwardLock = new Object();

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
      float[] scores;
      synchronized (forwardLock) {
        // grad mode is per thread and on by default; inference records no graph
        JniUtils.setGradMode(false);
        try (NDManager scope = NDManager.newBaseManager(Device.cpu())) {
          scores = model.scores(batch, scope).toFloatArray();
        }
      }
      System.arraycopy(scores, 0, out, from, scores.length);
    }
    return out;
  }

  @Override
  public void close() {
    model.close();
    tokenizer.close();
  }
}
