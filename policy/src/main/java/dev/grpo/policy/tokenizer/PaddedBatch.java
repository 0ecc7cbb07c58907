package dev.grpo.policy.tokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * Sequences of unequal length left-padded to one width, as a decoder-only model is prompted in a
 * batch: padding first, so every row's last real token sits in the last column.
 *
 * @param ids (rows, width) token ids, {@code padId} where the mask is 0
 * @param attentionMask (rows, width) 1 for a real token, 0 for padding
 */
public record PaddedBatch(int[][] ids, int[][] attentionMask) {

  /** Left-pads {@code sequences} with {@code padId} to the longest one's length. */
  public static PaddedBatch leftPad(List<int[]> sequences, int padId) {
    int width = sequences.stream().mapToInt(s -> s.length).max().orElse(0);
    int[][] ids = new int[sequences.size()][width];
    int[][] mask = new int[sequences.size()][width];
    for (int row = 0; row < sequences.size(); row++) {
      int[] sequence = sequences.get(row);
      int padding = width - sequence.length;
      Arrays.fill(ids[row], 0, padding, padId);
      System.arraycopy(sequence, 0, ids[row], padding, sequence.length);
      Arrays.fill(mask[row], padding, width, 1);
    }
    return new PaddedBatch(ids, mask);
  }

  /** Number of real (unmasked) tokens in {@code row}. */
  public int length(int row) {
    return Arrays.stream(attentionMask[row]).sum();
  }
}
