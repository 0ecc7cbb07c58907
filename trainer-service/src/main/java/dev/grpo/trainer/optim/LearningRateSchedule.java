package dev.grpo.trainer.optim;

/**
 * A learning-rate multiplier as a function of the optimizer step, like the {@code lr_lambda}s of HF
 * transformers' {@code optimization.py} wrapped in {@code LambdaLR}: the k-th call of {@link
 * AdamW#step} (k = 0, 1, …) uses {@code baseLr · multiplier(k)}. With warmup the very first step
 * therefore runs at lr 0, exactly as in HF's Trainer.
 */
@FunctionalInterface
public interface LearningRateSchedule {

  double multiplier(long step);

  /** HF {@code get_constant_schedule}. */
  static LearningRateSchedule constant() {
    return step -> 1.0;
  }

  /** HF {@code get_constant_schedule_with_warmup}. */
  static LearningRateSchedule constantWithWarmup(long warmupSteps) {
    return step -> step < warmupSteps ? (double) step / Math.max(1.0, warmupSteps) : 1.0;
  }

  /** HF {@code get_linear_schedule_with_warmup} (the HF Trainer default). */
  static LearningRateSchedule linearWithWarmup(long warmupSteps, long totalSteps) {
    return step -> {
      if (step < warmupSteps) {
        return (double) step / Math.max(1, warmupSteps);
      }
      return Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
    };
  }

  /** HF {@code get_cosine_schedule_with_warmup} with its default half cycle (decays to 0). */
  static LearningRateSchedule cosineWithWarmup(long warmupSteps, long totalSteps) {
    return cosineWithWarmup(warmupSteps, totalSteps, 0.5);
  }

  /** HF {@code get_cosine_schedule_with_warmup}. */
  static LearningRateSchedule cosineWithWarmup(long warmupSteps, long totalSteps, double cycles) {
    return step -> {
      if (step < warmupSteps) {
        return (double) step / Math.max(1, warmupSteps);
      }
      double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
      return Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * cycles * 2.0 * progress)));
    };
  }

  /**
   * HF {@code get_cosine_with_min_lr_schedule_with_warmup} ({@code min_lr_rate}); OpenRLHF's
   * default {@code cosine_with_min_lr}.
   */
  static LearningRateSchedule cosineWithMinLr(long warmupSteps, long totalSteps, double minLrRate) {
    return step -> {
      if (step < warmupSteps) {
        return (double) step / Math.max(1, warmupSteps);
      }
      double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
      double factor = 0.5 * (1.0 + Math.cos(Math.PI * 0.5 * 2.0 * progress));
      return Math.max(0.0, factor * (1 - minLrRate) + minLrRate);
    };
  }
}
