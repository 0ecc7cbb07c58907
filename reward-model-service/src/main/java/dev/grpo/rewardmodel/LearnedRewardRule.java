package dev.grpo.rewardmodel;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.grpo.rule.RewardRule;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained reward model as a group-level {@link RewardRule}: the reward service sends one group
 * per call, and its completions are scored together, {@code maxForwardBatch} per forward pass. The
 * score is the model's raw reward, or with normalisation {@code (raw − mean) / std} over a
 * calibration set (the raw one is in the details).
 *
 * <p>The version names what the scores depend on: {@code ckpt-} and the first 12 hex digits of the
 * checkpoint's manifest sha256, then {@code -norm-} and 8 of the calibration file's sha256 when
 * normalised. Another checkpoint or calibration set is another version, so stored rewards never mix
 * models.
 */
final class LearnedRewardRule implements RewardRule, AutoCloseable {

  private final String name;
  private final Path checkpoint;
  private final String checkpointSha256;
  private final CheckpointScorer scorer;
  private final RewardNormalization normalization;

  LearnedRewardRule(RewardModelProperties properties) {
    this.name = properties.ruleName();
    this.checkpoint = properties.checkpoint().toAbsolutePath().normalize();
    this.checkpointSha256 = checkpointIdentity(checkpoint);
    this.scorer = new CheckpointScorer(checkpoint, properties.maxForwardBatch());
    try {
      this.normalization =
          properties.normalization().enabled() ? normalization(properties.normalization()) : null;
    } catch (RuntimeException e) {
      scorer.close();
      throw e;
    }
  }

  /**
   * The stored statistics of this checkpoint and calibration set, or, on the first start, the
   * calibration set's rewards scored and stored.
   */
  private RewardNormalization normalization(RewardModelProperties.Normalization settings) {
    String calibrationSha = sha256(settings.calibration());
    Path stored = RewardNormalization.file(settings.stateDir(), checkpointSha256, calibrationSha);
    if (Files.isRegularFile(stored)) {
      return RewardNormalization.load(stored);
    }
    List<int[]> sequences = new ArrayList<>();
    try (BufferedReader reader =
        Files.newBufferedReader(settings.calibration(), StandardCharsets.UTF_8)) {
      String line;
      int number = 0;
      while ((line = reader.readLine()) != null) {
        number++;
        if (line.isBlank()) {
          continue;
        }
        JsonObject row = JsonParser.parseString(line).getAsJsonObject();
        if (!row.has("completion") || !row.get("completion").isJsonPrimitive()) {
          throw new IllegalArgumentException(
              "calibration line " + number + " has no string completion");
        }
        String prompt = row.has("prompt") ? row.get("prompt").getAsString() : "";
        sequences.add(scorer.encode(prompt, row.get("completion").getAsString()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read calibration set " + settings.calibration(), e);
    }
    float[] raw;
    try {
      raw = scorer.score(sequences);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while calibrating", e);
    }
    RewardNormalization computed = RewardNormalization.of(raw, checkpointSha256, calibrationSha);
    computed.save(stored);
    return computed;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String version() {
    String v = "ckpt-" + checkpointSha256.substring(0, 12);
    return normalization == null
        ? v
        : v + "-norm-" + normalization.calibrationSha256().substring(0, 8);
  }

  @Override
  public String description() {
    return "A learned reward model (Bradley-Terry, scalar head on a policy backbone) scoring the"
        + " prompt and completion"
        + (normalization == null ? "" : ", normalised by calibration mean and std");
  }

  @Override
  public Map<String, Object> params() {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("checkpoint", checkpoint.toString());
    p.put("checkpointSha256", checkpointSha256);
    p.put("maxForwardBatch", scorer.maxBatch());
    p.put("maxTokens", scorer.maxTokens());
    if (normalization == null) {
      p.put("normalization", "none");
    } else {
      Map<String, Object> n = new LinkedHashMap<>();
      n.put("mean", normalization.mean());
      n.put("std", normalization.std());
      n.put("count", normalization.count());
      n.put("calibrationSha256", normalization.calibrationSha256());
      p.put("normalization", n);
    }
    return p;
  }

  @Override
  public RuleResult score(RuleInput item) {
    return scoreGroup(List.of(item)).get(0);
  }

  @Override
  public List<RuleResult> scoreGroup(List<RuleInput> group) {
    RuleResult[] results = new RuleResult[group.size()];
    List<int[]> sequences = new ArrayList<>();
    List<Integer> positions = new ArrayList<>();
    for (int i = 0; i < group.size(); i++) {
      RuleInput item = group.get(i);
      try {
        sequences.add(scorer.encode(item.prompt(), item.completion()));
        positions.add(i);
      } catch (CheckpointScorer.TooLongException e) {
        results[i] = RuleResult.invalidInput(e.getMessage());
      }
    }
    if (!sequences.isEmpty()) {
      float[] raw;
      try {
        raw = scorer.score(sequences);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        for (int i : positions) {
          results[i] =
              RuleResult.timeout("the request's time budget ran out between forward passes");
        }
        return List.of(results);
      }
      for (int k = 0; k < raw.length; k++) {
        results[positions.get(k)] =
            normalization == null
                ? RuleResult.ok(raw[k])
                : RuleResult.ok(normalization.apply(raw[k]), Map.of("raw", (double) raw[k]));
      }
    }
    return List.of(results);
  }

  /** The manifest's sha256 (a trainer checkpoint's identity), else the head's and weights'. */
  private static String checkpointIdentity(Path dir) {
    Path manifest = dir.resolve("manifest.json");
    if (Files.isRegularFile(manifest)) {
      return sha256(manifest);
    }
    return sha256Text(
        sha256(dir.resolve("model.safetensors")) + sha256(dir.resolve("reward_head.safetensors")));
  }

  static String sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[1 << 16];
      int n;
      while ((n = in.read(buffer)) > 0) {
        digest.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }

  private static String sha256Text(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always available", e);
    }
  }

  @Override
  public void close() {
    scorer.close();
  }
}
