package dev.grpo.rewardmodel;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The mean and standard deviation of the raw rewards on a calibration set, which a served reward is
 * normalised by: {@code (raw − mean) / std}. Computed once per (checkpoint, calibration set) by
 * Welford's running update in double precision, then stored as JSON and read back on every later
 * start, so a restarted service normalises with the very same doubles (JSON keeps a double's
 * shortest round-trip form) and scores byte for byte as before.
 *
 * @param count calibration pairs scored
 * @param std population standard deviation, at least {@link #MIN_STD}
 * @param checkpointSha256 the checkpoint the rewards came from
 * @param calibrationSha256 the calibration file's sha256
 */
record RewardNormalization(
    double mean, double std, long count, String checkpointSha256, String calibrationSha256) {

  /** A constant reward on the calibration set would divide by zero. */
  static final double MIN_STD = 1e-6;

  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

  /** Welford's running mean and variance over {@code rewards}. */
  static RewardNormalization of(
      float[] rewards, String checkpointSha256, String calibrationSha256) {
    if (rewards.length == 0) {
      throw new IllegalArgumentException("the calibration set is empty");
    }
    double mean = 0;
    double m2 = 0;
    long n = 0;
    for (float r : rewards) {
      n++;
      double delta = r - mean;
      mean += delta / n;
      m2 += delta * (r - mean);
    }
    double std = Math.max(MIN_STD, Math.sqrt(m2 / n));
    return new RewardNormalization(mean, std, n, checkpointSha256, calibrationSha256);
  }

  double apply(float raw) {
    return (raw - mean) / std;
  }

  /** The stored statistics of a (checkpoint, calibration) pair, one file each. */
  static Path file(Path stateDir, String checkpointSha256, String calibrationSha256) {
    return stateDir.resolve(
        "normalization-"
            + checkpointSha256.substring(0, 16)
            + "-"
            + calibrationSha256.substring(0, 16)
            + ".json");
  }

  /** Writes atomically (temporary file, then rename). */
  void save(Path file) {
    try {
      Files.createDirectories(file.getParent());
      Path tmp = Files.createTempFile(file.getParent(), ".normalization", ".tmp");
      Files.writeString(tmp, GSON.toJson(this) + "\n", StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot store the reward normalization in " + file, e);
    }
  }

  static RewardNormalization load(Path file) {
    try {
      RewardNormalization n =
          GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), RewardNormalization.class);
      if (n == null || !(n.std() >= MIN_STD) || !Double.isFinite(n.mean())) {
        throw new IllegalStateException("malformed reward normalization in " + file);
      }
      return n;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the reward normalization in " + file, e);
    }
  }
}
