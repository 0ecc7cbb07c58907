package dev.grpo.trainer.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.grpo.policy.lora.LoraAdapters;
import dev.grpo.policy.lora.LoraConfig;
import dev.grpo.policy.lora.TargetModule;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.model.ModelPreset;
import dev.grpo.policy.model.TokenLogProbs;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.optim.LearningRateSchedule;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Memory of full fine-tuning vs LoRA (r = 8, 64 on all seven projections): parameter, gradient and
 * AdamW bytes from the shapes, and the peak resident set ({@code VmHWM} of {@code
 * /proc/self/status}) of a fresh JVM per configuration that builds the model and runs one training
 * update at batch 1, 256 tokens, on the CPU: forward, backward, AdamW step. The high-water mark is
 * reset ({@code /proc/self/clear_refs} 5) once the model is built, so the peak is the update's with
 * the model resident, JVM and libtorch included ({@code baseline} is the process before the model).
 * A configuration whose computed bytes do not fit in the memory the machine has available now is
 * not run and its peak is printed as "computed" (not measured).
 *
 * <p>Everything is float32 here (the DJL trainer trains in fp32); the README turns the counts into
 * GPU figures for bf16 + fp32 AdamW ({@link #GPU_FULL_BYTES_PER_PARAM}) with the same formulas
 * ({@link #gpuFullBytes}, {@link #gpuLoraBytes}).
 *
 * <p>Run from the repository root with the test classpath (as {@link GrpoStepBench} shows), on one
 * thread:
 *
 * <pre>
 * ./mvnw -q -pl trainer-service -am test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * java -cp trainer-service/target/test-classes:trainer-service/target/classes:policy/target/classes:$(cat /tmp/cp.txt) \
 *     dev.grpo.trainer.train.LoraMemoryBench
 * </pre>
 */
public final class LoraMemoryBench {

  static final int TOKENS = 256;

  /** bf16 weights 2 + bf16 gradients 2 + fp32 master weights 4 + fp32 AdamW m 4 and v 4. */
  static final int GPU_FULL_BYTES_PER_PARAM = 16;

  /** The frozen base in bf16. */
  static final int GPU_FROZEN_BYTES_PER_PARAM = 2;

  static final List<String> ALL_LINEAR = TargetModule.names();

  /** Qwen2.5 shapes (config.json of each size). */
  static final Map<String, ModelConfig> MODELS = new LinkedHashMap<>();

  static {
    MODELS.put("small", ModelPreset.SMALL.config());
    MODELS.put("qwen2-0.5b", qwen(896, 4864, 24, 14, 2, 64, 151936, true));
    MODELS.put("qwen2-1.5b", qwen(1536, 8960, 28, 12, 2, 128, 151936, true));
    MODELS.put("qwen2-7b", qwen(3584, 18944, 28, 28, 4, 128, 152064, false));
    MODELS.put("qwen2-32b", qwen(5120, 27648, 64, 40, 8, 128, 152064, false));
  }

  static ModelConfig qwen(
      int hidden, int inter, int layers, int heads, int kv, int headDim, int vocab, boolean tied) {
    return new ModelConfig(
        "qwen2", hidden, inter, layers, heads, kv, headDim, vocab, 32768, 1e-6, 1e6, tied, true,
        false);
  }

  /** Parameters of the model. */
  static long parameters(ModelConfig c) {
    return DecoderModel.parameterShapes(c).values().stream().mapToLong(Shape::size).sum();
  }

  /** Adapter parameters: r·(in + out) per targeted layer. */
  static long adapterParameters(ModelConfig c, int rank) {
    return LoraAdapters.shapes(c, new LoraConfig(rank, 2.0 * rank, 0, ALL_LINEAR)).values().stream()
        .mapToLong(Shape::size)
        .sum();
  }

  /** GPU bytes of weights, gradients and optimizer state, full fine-tuning in bf16 + fp32 AdamW. */
  static long gpuFullBytes(ModelConfig c) {
    return GPU_FULL_BYTES_PER_PARAM * parameters(c);
  }

  /** GPU bytes with LoRA: the frozen base in bf16, the adapters as full fine-tuning. */
  static long gpuLoraBytes(ModelConfig c, int rank) {
    return GPU_FROZEN_BYTES_PER_PARAM * parameters(c)
        + GPU_FULL_BYTES_PER_PARAM * adapterParameters(c, rank);
  }

  /** One configuration: the model and 0 for full fine-tuning, else the LoRA rank. */
  record Config(String model, int rank) {
    String mode() {
      return rank == 0 ? "full" : "lora r=" + rank;
    }

    long trainable() {
      return rank == 0 ? parameters(MODELS.get(model)) : adapterParameters(MODELS.get(model), rank);
    }

    /** fp32 parameters + gradients + AdamW m and v, as the CPU run holds them. */
    long stateBytes() {
      return 4 * parameters(MODELS.get(model)) + 12 * trainable();
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 3 && args[0].equals("--child")) {
      child(args[1], Integer.parseInt(args[2]));
      return;
    }
    List<Config> configs = new ArrayList<>();
    for (String model : List.of("small", "qwen2-0.5b")) {
      for (int rank : new int[] {0, 8, 64}) {
        configs.add(new Config(model, rank));
      }
    }
    System.out.printf(
        "%-11s %-9s %11s %11s %9s %8s %8s %9s %16s %20s %6s%n",
        "model",
        "mode",
        "params",
        "trainable",
        "param MB",
        "grad MB",
        "adam MB",
        "state MB",
        "JVM / +model MB",
        "peak RSS MB",
        "ratio");
    Map<String, Long> fullPeak = new LinkedHashMap<>();
    for (Config c : configs) {
      long params = parameters(MODELS.get(c.model()));
      long trainable = c.trainable();
      long available = memAvailableBytes();
      String peak;
      String baseline = "-";
      String ratio = "";
      // measure only what fits with room for activations and the JVM
      if (c.stateBytes() * 1.3 + (2L << 30) < available) {
        long[] measured = runChild(c);
        peak = mb(measured[2]) + "";
        baseline = mb(measured[0]) + " / " + mb(measured[1]);
        if (c.rank() == 0) {
          fullPeak.put(c.model(), measured[2]);
        } else if (fullPeak.containsKey(c.model())) {
          ratio = "%.2f".formatted((double) measured[2] / fullPeak.get(c.model()));
        }
      } else {
        peak = "computed " + mb(c.stateBytes());
      }
      System.out.printf(
          "%-11s %-9s %11d %11d %9d %8d %8d %9d %16s %20s %6s%n",
          c.model(),
          c.mode(),
          params,
          trainable,
          mb(4 * params),
          mb(4 * trainable),
          mb(8 * trainable),
          mb(c.stateBytes()),
          baseline,
          peak,
          ratio);
    }
    System.out.println();
    System.out.println(
        "ratio: peak RSS against full fine-tuning of the same model, measured in this run;"
            + " param/grad/adam MB are fp32 as the CPU trainer holds them; LoRA targets all seven"
            + " projections");
    System.out.println();
    System.out.printf(
        "%-11s %14s %18s %18s %18s %18s%n",
        "GPU", "params", "full bf16 GB", "LoRA r=8 GB", "LoRA r=64 GB", "r=64 adapters");
    for (String model : List.of("qwen2-0.5b", "qwen2-1.5b", "qwen2-7b", "qwen2-32b")) {
      ModelConfig m = MODELS.get(model);
      System.out.printf(
          "%-11s %14d %18.1f %18.1f %18.1f %18d%n",
          model,
          parameters(m),
          gb(gpuFullBytes(m)),
          gb(gpuLoraBytes(m, 8)),
          gb(gpuLoraBytes(m, 64)),
          adapterParameters(m, 64));
    }
    System.out.println(
        "GPU GB (computed): weights + gradients + optimizer; full = 16 B/param (bf16 weights and"
            + " gradients, fp32 master weights and AdamW m, v); LoRA = 2 B/param frozen bf16 base +"
            + " 16 B/adapter param; activations, the KL reference and the CUDA context come on top");
  }

  /**
   * RSS in a fresh JVM: before the model, with the model built, and the peak of one update; bytes.
   */
  private static long[] runChild(Config c) throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder pb =
        new ProcessBuilder(
            java.toString(),
            // the random init's Java arrays are garbage before the update; a small, shrinking
            // serial heap gives their pages back, so they do not count in the update's peak
            "-XX:+UseSerialGC",
            "-Xmx1200m",
            "-XX:MaxDirectMemorySize=64g", // the initialised weights live in direct buffers
            "-XX:MinHeapFreeRatio=5",
            "-XX:MaxHeapFreeRatio=10",
            "-Dai.djl.pytorch.num_threads=1",
            "-Dai.djl.pytorch.num_interop_threads=1",
            "-cp",
            System.getProperty("java.class.path"),
            LoraMemoryBench.class.getName(),
            "--child",
            c.model(),
            Integer.toString(c.rank()));
    pb.redirectErrorStream(true);
    Process p = pb.start();
    long[] out = {-1, -1, -1};
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.startsWith("RESULT ")) {
          String[] f = line.split(" ");
          out[0] = Long.parseLong(f[1]);
          out[1] = Long.parseLong(f[2]);
          out[2] = Long.parseLong(f[3]);
        }
      }
    }
    if (p.waitFor() != 0 || out[2] < 0) {
      throw new IllegalStateException("the child for " + c + " failed");
    }
    return out;
  }

  private static void child(String model, int rank) throws IOException {
    Engine.getInstance(); // libtorch loaded: part of the baseline
    long baseline = statusKb("VmRSS:") * 1024;
    ModelConfig config = MODELS.get(model);
    try (DecoderModel policy = DecoderModel.randomInit(config, 1, Device.cpu());
        AdamW optimizer =
            new AdamW(
                new AdamW.Config(1e-4, 0.9, 0.999, 1e-8, 0.0, 1.0),
                LearningRateSchedule.constant())) {
      if (rank > 0) {
        policy.attachAdapters(
            LoraAdapters.init(
                config, new LoraConfig(rank, 2.0 * rank, 0.05, ALL_LINEAR), 1, Device.cpu()));
      }
      policy.setRequiresGradient(true);
      System.gc();
      System.gc();
      // the high-water mark restarts at the resident set now: the model built, its init gone
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
      long resident = statusKb("VmRSS:") * 1024;
      SplittableRandom random = new SplittableRandom(7);
      int[] prompt = {1};
      int[] completion = new int[TOKENS - 1];
      for (int i = 0; i < completion.length; i++) {
        completion[i] = random.nextInt(config.vocabSize());
      }
      try (NDManager scope = NDManager.newBaseManager(Device.cpu())) {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          TokenLogProbs lp = policy.logProbs(List.of(prompt), List.of(completion), scope);
          NDArray loss = lp.logProbs().sum().neg();
          collector.backward(loss);
        }
        optimizer.step(GrpoTrainer.namedParameters(policy));
      }
      System.out.println("RESULT " + baseline + " " + resident + " " + vmHwmBytes());
    }
  }

  static long vmHwmBytes() {
    return statusKb("VmHWM:") * 1024;
  }

  static long memAvailableBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemAvailable:")) {
          return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    throw new IllegalStateException("no MemAvailable in /proc/meminfo");
  }

  private static long statusKb(String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(key)) {
          return Long.parseLong(line.replaceAll("\\D", ""));
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    throw new IllegalStateException("no " + key + " in /proc/self/status");
  }

  private static long mb(long bytes) {
    return Math.round(bytes / 1048576.0);
  }

  private static double gb(long bytes) {
    return bytes / 1e9;
  }
}
