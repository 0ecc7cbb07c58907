package dev.grpo.trainer.train;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.SplittableRandom;

/**
 * The scalar state a run needs besides weights and optimizer moments to continue exactly where it
 * stopped. Randomness is not stored as a generator dump: every random draw of step {@code k} comes
 * from {@link #randomForStep} (seed and step), so the seed and the step counter are the RNG state.
 *
 * @param step GRPO/SFT steps completed
 * @param seed run seed
 * @param dataCursor index of the next prompt to draw from the data source
 */
public record TrainingState(long step, long seed, long dataCursor) {

  public TrainingState {
    if (step < 0 || dataCursor < 0) {
      throw new IllegalArgumentException("step and data cursor must be non-negative");
    }
  }

  /** State of a fresh run. */
  public static TrainingState start(long seed) {
    return new TrainingState(0, seed, 0);
  }

  /** The state after one more step that consumed {@code prompts} prompts. */
  public TrainingState advance(int prompts) {
    return new TrainingState(step + 1, seed, dataCursor + prompts);
  }

  /** A generator for the draws of the current step (the same on every resume). */
  public SplittableRandom randomForStep() {
    return new SplittableRandom(mix(seed, step));
  }

  /** A seed for the draws of the current step, e.g. for the sampler. */
  public long seedForStep() {
    return randomForStep().nextLong();
  }

  private static long mix(long seed, long step) {
    long z = seed + 0x9E3779B97F4A7C15L * (step + 1);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  String toJson() {
    JsonObject o = new JsonObject();
    o.addProperty("step", step);
    o.addProperty("seed", seed);
    o.addProperty("data_cursor", dataCursor);
    return o.toString();
  }

  static TrainingState fromJson(String json) {
    JsonObject o = JsonParser.parseString(json).getAsJsonObject();
    return new TrainingState(
        o.get("step").getAsLong(), o.get("seed").getAsLong(), o.get("data_cursor").getAsLong());
  }
}
