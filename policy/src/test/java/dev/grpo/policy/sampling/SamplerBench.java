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
 * included; each figure is the best of {@code repeats} runs after one warm-up run.
 */
public final class SamplerBench {

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
        "%-8s %12s %12s %12s %12s %9s %9s %9s %s%n",
        "model",
        "java kv",
        "java full",
        "torch kv",
        "torch full",
        "java/torch",
        "kv gain J",
        "kv gain T",
        "same tokens");
    for (Map.Entry<String, ModelConfig> e :
        List.of(Map.entry("tiny", ModelConfig.tiny()), Map.entry("h256-l4", medium()))) {
      run(e.getKey(), e.getValue(), out.resolve(e.getKey()), batch, promptLength, maxNew, repeats);
    }
    System.out.println(
        "(columns 2-5 in generated tokens/s; java/torch compares the KV-cache runs)");
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
    double javaCache;
    double javaFull;
    List<SampleOutput> javaTokens;
    try (DecoderModel model = DecoderModel.randomInit(config, 5, Device.cpu())) {
      model.save(dir);
      JsonObject spec = new JsonObject();
      spec.add("prompts", new Gson().toJsonTree(prompts));
      spec.addProperty("max_new_tokens", maxNew);
      Files.writeString(dir.resolve("prompts.json"), spec.toString(), StandardCharsets.UTF_8);
      BatchSampler cached = new BatchSampler(model, tokenizer, BatchSampler.CacheMode.KV_CACHE);
      BatchSampler full = new BatchSampler(model, tokenizer, BatchSampler.CacheMode.RECOMPUTE);
      javaTokens = cached.generate(prompts, params);
      javaCache = bestSeconds(() -> cached.generate(prompts, params), repeats);
      full.generate(prompts, params);
      javaFull = bestSeconds(() -> full.generate(prompts, params), repeats);
    }
    JsonObject torch = python(dir, repeats);
    double produced = (double) batch * maxNew;
    double torchCache = torch.get("cache_seconds").getAsDouble();
    double torchFull = torch.get("recompute_seconds").getAsDouble();
    JsonArray torchTokens = torch.getAsJsonArray("tokens");
    int same = 0;
    for (int i = 0; i < batch; i++) {
      int[] t = new Gson().fromJson(torchTokens.get(i), int[].class);
      same += Arrays.equals(t, javaTokens.get(i).tokenIds()) ? 1 : 0;
    }
    System.out.printf(
        "%-8s %12.0f %12.0f %12.0f %12.0f %9.2fx %8.1fx %8.1fx %d/%d%n",
        name,
        produced / javaCache,
        produced / javaFull,
        produced / torchCache,
        produced / torchFull,
        torchCache / javaCache,
        javaFull / javaCache,
        torchFull / torchCache,
        same,
        batch);
  }

  private static double bestSeconds(Runnable work, int repeats) {
    double[] seconds = new double[repeats];
    for (int r = 0; r < repeats; r++) {
      long start = System.nanoTime();
      work.run();
      seconds[r] = (System.nanoTime() - start) / 1e9;
    }
    // The best run: on a shared machine, interference only ever adds time.
    return Arrays.stream(seconds).min().orElseThrow();
  }

  private static JsonObject python(Path dir, int repeats) throws IOException, InterruptedException {
    Path script = Path.of("src", "test", "python", "sampler_bench.py");
    ProcessBuilder builder =
        new ProcessBuilder(
                "/usr/bin/python3", script.toString(), dir.toString(), Integer.toString(repeats))
            .redirectError(ProcessBuilder.Redirect.INHERIT);
    builder.environment().put("OMP_NUM_THREADS", "1");
    builder.environment().put("OPENBLAS_NUM_THREADS", "1");
    String blas = System.getProperty(PYTHON_BLAS_PROPERTY);
    if (blas != null) {
      builder.environment().put("LD_LIBRARY_PATH", blas);
    }
    Process process = builder.start();
    String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.waitFor() != 0) {
      throw new IllegalStateException("sampler_bench.py failed: " + stdout);
    }
    return JsonParser.parseString(stdout.strip()).getAsJsonObject();
  }
}
