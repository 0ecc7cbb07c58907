package dev.grpo.trainer.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import org.junit.jupiter.api.Test;

/** Values worked out by hand from HF transformers' lr_lambda formulas. */
class LearningRateScheduleTest {

  @Test
  void cosineWithWarmup() {
    LearningRateSchedule s = LearningRateSchedule.cosineWithWarmup(10, 110);
    assertThat(s.multiplier(0)).isZero();
    assertThat(s.multiplier(5)).isEqualTo(0.5);
    assertThat(s.multiplier(10)).isEqualTo(1.0);
    // progress 0.25: 0.5·(1 + cos(π/4)) = 0.853553…
    assertThat(s.multiplier(35)).isCloseTo(0.8535533905932737, offset(1e-15));
    assertThat(s.multiplier(60)).isCloseTo(0.5, offset(1e-15));
    assertThat(s.multiplier(110)).isCloseTo(0.0, offset(1e-15));
    assertThat(s.multiplier(200)).isGreaterThanOrEqualTo(0.0);
  }

  @Test
  void constantWithWarmup() {
    LearningRateSchedule s = LearningRateSchedule.constantWithWarmup(4);
    assertThat(s.multiplier(0)).isZero();
    assertThat(s.multiplier(1)).isEqualTo(0.25);
    assertThat(s.multiplier(3)).isEqualTo(0.75);
    assertThat(s.multiplier(4)).isEqualTo(1.0);
    assertThat(s.multiplier(1000)).isEqualTo(1.0);
    assertThat(LearningRateSchedule.constantWithWarmup(0).multiplier(0)).isEqualTo(1.0);
    assertThat(LearningRateSchedule.constant().multiplier(7)).isEqualTo(1.0);
  }

  @Test
  void linearAndMinLrVariants() {
    LearningRateSchedule linear = LearningRateSchedule.linearWithWarmup(2, 12);
    assertThat(linear.multiplier(1)).isEqualTo(0.5);
    assertThat(linear.multiplier(7)).isEqualTo(0.5);
    assertThat(linear.multiplier(12)).isZero();
    assertThat(linear.multiplier(20)).isZero();
    LearningRateSchedule minLr = LearningRateSchedule.cosineWithMinLr(0, 100, 0.1);
    assertThat(minLr.multiplier(0)).isCloseTo(1.0, offset(1e-15));
    assertThat(minLr.multiplier(50)).isCloseTo(0.55, offset(1e-15));
    assertThat(minLr.multiplier(100)).isCloseTo(0.1, offset(1e-15));
  }
}
