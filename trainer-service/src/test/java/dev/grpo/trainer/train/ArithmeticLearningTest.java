package dev.grpo.trainer.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * "It learns": for each of three seeds the tiny model gets a cold-start SFT on formatted
 * single-digit sums, then 50 GRPO steps with the in-process reward (1 for the right answer + 0.2
 * for the format) raise the mean sampled reward over all 100 problems (8 samples each).
 *
 * <p>Floating-point results of libtorch depend on the CPU kernels (ATen's AVX-512 / AVX2 / scalar
 * code, selected by {@code ATEN_CPU_CAPABILITY}; MKL's code path, {@code MKL_CBWR}) and, for some
 * kernels, on the intra-op thread count; a 50-step RL run turns a last-bit difference into another
 * trajectory. So the assertions are statistics over seeds, with margins measured under six settings
 * on the reference machine (AMD EPYC, AVX-512, 2 cores), all passing:
 *
 * <pre>
 * threads  ATEN_CPU_CAPABILITY  MKL_CBWR    gain seed 1  seed 2  seed 3   mean
 *   1      avx2 (build default) AVX2            +0.310  +0.359  +0.234  +0.301
 *   2      avx2                 AVX2            +0.310  +0.359  +0.234  +0.301
 *   1      avx512               AUTO            +0.145  +0.269  +0.128  +0.181
 *   2      avx512               AUTO            +0.145  +0.269  +0.128  +0.181
 *   1      default (scalar)     COMPATIBLE      +0.328  +0.132  +0.184  +0.214
 *   2      default (scalar)     COMPATIBLE      +0.277  +0.175  +0.309  +0.254
 * </pre>
 *
 * (reward after SFT 0.71-1.05, after GRPO 1.05-1.17; 15-25 s per seed on an idle core.) Bit-exact:
 * the same setting repeats every printed digit run after run, and with the AVX2 or AVX-512 kernels
 * 1 and 2 threads give identical numbers. Not bit-exact: one capability level against another, and
 * 1 against 2 threads with the scalar kernels. Hence the margins: the smallest mean gain measured
 * is 0.181 (asserted above {@link #MEAN_MARGIN}) and the smallest single gain 0.128 (asserted above
 * {@link #SEED_FLOOR}). The build pins 1 intra-op thread, {@code ATEN_CPU_CAPABILITY=avx2} and
 * {@code MKL_CBWR=AVX2} (trainer-service/pom.xml), which any AVX2 or AVX-512 x86-64 CPU runs, so CI
 * repeats the first row on Intel and AMD alike (measured here on AMD only); other settings: {@code
 * -Dtorch.threads=2 -Daten.cpu.capability=avx512 -Dmkl.cbwr=AUTO}, other seeds: {@code
 * -Dlearn.seeds=1,2,3,4,5}.
 */
class ArithmeticLearningTest {

  /** The mean gain over the seeds must exceed this. */
  static final double MEAN_MARGIN = 0.10;

  /** Every seed's gain must exceed this. */
  static final double SEED_FLOOR = 0.05;

  static final long[] SEEDS =
      Arrays.stream(System.getProperty("learn.seeds", "1,2,3").split(","))
          .mapToLong(s -> Long.parseLong(s.trim()))
          .toArray();

  @Test
  void grpoRaisesTheMeanRewardAfterColdStartSftOverSeveralSeeds() {
    Engine.getEngine("PyTorch"); // loads libtorch, which applies the thread settings
    System.out.printf(
        "libtorch intra-op threads %d, inter-op %d, ATEN_CPU_CAPABILITY=%s, MKL_CBWR=%s, OMP_WAIT_POLICY=%s%n",
        JniUtils.getNumThreads(),
        JniUtils.getNumInteropThreads(),
        System.getenv("ATEN_CPU_CAPABILITY"),
        System.getenv("MKL_CBWR"),
        System.getenv("OMP_WAIT_POLICY"));
    List<LearningRun.Outcome> outcomes = new ArrayList<>();
    for (long seed : SEEDS) {
      LearningRun.Outcome o = LearningRun.run(seed);
      System.out.printf(
          "seed %d: SFT loss %.3f, reward after SFT %.3f, after GRPO %.3f, gain %+.3f (%.1f s)%n",
          o.seed(), o.sftLoss(), o.before(), o.after(), o.gain(), o.seconds());
      outcomes.add(o);
    }
    double meanGain =
        outcomes.stream().mapToDouble(LearningRun.Outcome::gain).average().orElseThrow();
    System.out.printf("mean gain over %d seeds %+.3f%n", outcomes.size(), meanGain);
    for (LearningRun.Outcome o : outcomes) {
      // the cold start worked: completion tokens mostly predicted, the format mostly learned
      assertThat(o.sftLoss()).as("SFT loss, seed %d", o.seed()).isLessThan(0.5);
      assertThat(o.before()).as("reward after SFT, seed %d", o.seed()).isGreaterThan(0.3);
      assertThat(o.gain()).as("GRPO gain, seed %d", o.seed()).isGreaterThan(SEED_FLOOR);
    }
    assertThat(meanGain).as("mean GRPO gain over seeds").isGreaterThan(MEAN_MARGIN);
  }
}
