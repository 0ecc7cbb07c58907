package dev.grpo.policy.sampling;

import ai.djl.Device;
import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.tokenizer.CharTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Tokens per second of greedy batched generation, Java ({@link BatchSampler}) against PyTorch
 * ({@code src/test/python/sampler_bench.py}), each with and without the key/value cache, on the
 * same weights and prompts. One libtorch thread on both sides.
 *
 * <p>Run (from the repository root, after {@code ./mvnw -q -B -pl policy test-compile} and {@code
 * ./mvnw -q -B -pl policy dependency:build-classpath -Dmdep.outputFile=target/cp.txt}):
 *
 * <pre>
 * cd policy && DJL_OFFLINE=true java -Dai.djl.pytorch.num_threads=1 \
 *   -Dai.djl.pytorch.num_interop_threads=1 \
 *   -cp target/classes:target/test-classes:$(cat target/cp.txt) \
 *   dev.grpo.policy.sampling.SamplerBench [batch] [promptLength] [maxNewTokens] [repeats]
 * </pre>
 *
 * <p>Debian's {@code python3-torch} 1.13 calls the reference (netlib) BLAS, about 30 times slower
 * than OpenBLAS on these matrix products, while DJL's libtorch uses MKL. For a fair comparison
 * point {@code -Dbench.python.blas=DIR} at a folder holding OpenBLAS's {@code libblas.so.3} (for
 * example unpacked from Debian's {@code libopenblas0-pthread} with {@code apt-get download} and
 * {@code dpkg -x}); it becomes the Python process's {@code LD_LIBRARY_PATH} and nothing else
 * changes.
 *
 * <p>Tokens per second counts generated tokens (batch x maxNewTokens) over the whole call, prefill
 * included. After one warm-up run on each side, {@code repeats} rounds each run Java once and then
 * PyTorch once (a {@code sampler_bench.py --serve} process kept open), so that both meet the same
 * load on a shared machine; the table gives the best run of each and the median of the per-round
 * ratios.
 */
public final class SamplerBench {

  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();

  /** System property: folder with an optimised {@code libblas.so.3} for the Python side. */
  static final String PYTHON_BLAS_PROPERTY = "bench.python.blas";

  private SamplerBench() {}

  /** Wider and deeper than the tiny preset: hidden 256, 4 layers, 8 heads / 4 KV heads. */
  static ModelConfig medium() {
    return new ModelConfig(
        "llama",
        256,
        688,
        4,
        8,
        4,
        32,
        CharTokenizer.VOCAB_SIZE,
        512,
        1e-6,
        10000.0,
        true,
        false,
        false);
  }

  public static void main(String[] args) throws Exception {
    int batch = args.length > 0 ? Integer.parseInt(args[0]) : 8;
    int promptLength = args.length > 1 ? Integer.parseInt(args[1]) : 32;
    int maxNew = args.length > 2 ? Integer.parseInt(args[2]) : 64;
    int repeats = args.length > 3 ? Integer.parseInt(args[3]) : 5;
    Path out = Path.of("target", "sampler-bench");
    System.out.printf(
        "greedy, batch %d, prompt %d tokens, %d new tokens, 1 thread (Java: DJL num_threads=%s;"
            + " PyTorch: set_num_threads(1), BLAS %s), best of %d%n",
        batch,
        promptLength,
        maxNew,
        System.getProperty("ai.djl.pytorch.num_threads", "default"),
        System.getProperty(PYTHON_BLAS_PROPERTY, "system default"),
        repeats);
    System.out.printf(
        "%-8s %9s %9s %9s %9s %9s %9s %21s %9s %9s %s%n",
        "model",
        "java",
        "torch",
        "ratio",
        "java cpu",
        "torch cpu",
        "ratio cpu",
        "paired cpu med [range]",
        "kv gain J",
        "kv gain T",
        "same tokens");
    for (Map.Entry<String, ModelConfig> e :
        List.of(Map.entry("tiny", ModelConfig.tiny()), Map.entry("h256-l4", medium()))) {
      run(e.getKey(), e.getValue(), out.resolve(e.getKey()), batch, promptLength, maxNew, repeats);
    }
    System.out.println(
        "(KV-cache runs; java, torch: generated tokens/s over wall time, best run of each; cpu:"
            + " over the generating thread's CPU time, which a loaded machine disturbs less;"
            + " ratio: Java's speed over PyTorch's; paired: that ratio per round, the two runs back"
            + " to back; kv gain: speed with the cache over speed recomputing the whole sequence)");
  }

  private static void run(
      String name,
      ModelConfig config,
      Path dir,
      int batch,
      int promptLength,
      int maxNew,
      int repeats)
      throws Exception {
    Random random = new Random(17);
    List<int[]> prompts = new ArrayList<>();
    for (int i = 0; i < batch; i++) {
      // Different lengths so the batch is really left-padded.
      int[] p = new int[promptLength - (i % 4) * (promptLength / 8)];
      p[0] = CharTokenizer.BOS;
      for (int t = 1; t < p.length; t++) {
        p[t] = 8 + random.nextInt(CharTokenizer.VOCAB_SIZE - 8);
      }
      prompts.add(p);
    }
    SamplingParams params =
        SamplingParams.builder().temperature(0f).maxTokens(maxNew).ignoreEos(true).build();
    CharTokenizer tokenizer = new CharTokenizer();
    double[] javaCache = new double[repeats];
    double[] torchCache = new double[repeats];
    double[] javaCpu = new double[repeats];
    double[] torchCpu = new double[repeats];
    double javaFull = Double.MAX_VALUE;
    double torchFull = Double.MAX_VALUE;
    List<SampleOutput> javaTokens;
    JsonArray torchTokens = null;
    try (DecoderModel model = DecoderModel.randomInit(config, 5, Device.cpu())) {
      model.save(dir);
      JsonObject spec = new JsonObject();
      spec.add("prompts", new Gson().toJsonTree(prompts));
      spec.addProperty("max_new_tokens", maxNew);
      Files.writeString(dir.resolve("prompts.json"), spec.toString(), StandardCharsets.UTF_8);
      BatchSampler cached = new BatchSampler(model, tokenizer, BatchSampler.CacheMode.KV_CACHE);
      BatchSampler full = new BatchSampler(model, tokenizer, BatchSampler.CacheMode.RECOMPUTE);
      javaTokens = cached.generate(prompts, params);
      full.generate(prompts, params);
      try (Torch torch = new Torch(dir)) {
        // Alternate Java and PyTorch runs so that both meet the same load; the cache-less runs
        // are slow and only there for the cache's gain, so two rounds of them are enough.
        for (int r = 0; r < repeats; r++) {
          long cpuStart = THREADS.getCurrentThreadCpuTime();
          javaCache[r] = seconds(() -> cached.generate(prompts, params));
          javaCpu[r] = (THREADS.getCurrentThreadCpuTime() - cpuStart) / 1e9;
          JsonObject answer = torch.run("kv");
          torchCache[r] = answer.get("seconds").getAsDouble();
          torchCpu[r] = answer.get("cpu_seconds").getAsDouble();
          torchTokens = answer.getAsJsonArray("tokens");
          if (r < 2) {
            javaFull = Math.min(javaFull, seconds(() -> full.generate(prompts, params)));
            torchFull = Math.min(torchFull, torch.run("full").get("seconds").getAsDouble());
          }
        }
      }
    }
    double produced = (double) batch * maxNew;
    double bestJava = min(javaCache);
    double bestTorch = min(torchCache);
    double bestJavaCpu = min(javaCpu);
    double bestTorchCpu = min(torchCpu);
    double[] paired = new double[repeats];
    for (int r = 0; r < repeats; r++) {
      paired[r] = torchCpu[r] / javaCpu[r];
    }
    Arrays.sort(paired);
    int same = 0;
    for (int i = 0; i < batch; i++) {
      int[] t = new Gson().fromJson(torchTokens.get(i), int[].class);
      same += Arrays.equals(t, javaTokens.get(i).tokenIds()) ? 1 : 0;
    }
    System.out.printf(
        "%-8s %9.0f %9.0f %8.2fx %9.0f %9.0f %8.2fx %6.2fx [%.2f-%.2f] %8.1fx %8.1fx %d/%d%n",
        name,
        produced / bestJava,
        produced / bestTorch,
        bestTorch / bestJava,
        produced / bestJavaCpu,
        produced / bestTorchCpu,
        bestTorchCpu / bestJavaCpu,
        paired[repeats / 2],
        paired[0],
        paired[repeats - 1],
        javaFull / bestJava,
        torchFull / bestTorch,
        same,
        batch);
  }

  private static double min(double[] values) {
    return Arrays.stream(values).min().orElseThrow();
  }

  private static double seconds(Runnable work) {
    long start = System.nanoTime();
    work.run();
    return (System.nanoTime() - start) / 1e9;
  }

  /** {@code sampler_bench.py --serve}: one timed PyTorch generation per request. */
  private static final class Torch implements AutoCloseable {
    private final Process process;
    private final java.io.BufferedReader answers;
    private final java.io.Writer requests;

    Torch(Path dir) throws IOException {
      Path script = Path.of("src", "test", "python", "sampler_bench.py");
      ProcessBuilder builder =
          new ProcessBuilder("/usr/bin/python3", script.toString(), dir.toString(), "--serve")
              .redirectError(ProcessBuilder.Redirect.INHERIT);
      builder.environment().put("OMP_NUM_THREADS", "1");
      builder.environment().put("OPENBLAS_NUM_THREADS", "1");
      String blas = System.getProperty(PYTHON_BLAS_PROPERTY);
      if (blas != null) {
        builder.environment().put("LD_LIBRARY_PATH", blas);
      }
      process = builder.start();
      answers =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      requests = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    JsonObject run(String mode) throws IOException {
      requests.write(mode + "\n");
      requests.flush();
      String line = answers.readLine();
      if (line == null) {
        throw new IllegalStateException("sampler_bench.py --serve ended early");
      }
      return JsonParser.parseString(line).getAsJsonObject();
    }

    @Override
    public void close() throws InterruptedException, IOException {
      requests.close();
      process.waitFor();
    }
  }
}
