package dev.grpo.rewardmodel;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import dev.grpo.policy.model.ModelPreset;
import dev.grpo.policy.reward.RewardModel;
import dev.grpo.policy.reward.RewardSequence;
import dev.grpo.policy.tokenizer.CharTokenizer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Scored completions per second of the reward-model service on the {@code small} preset (hidden
 * 256, 4 layers), at 1, 16 and 64 completions per {@code POST /score} (one group, one forward pass
 * each), next to the reference measured in the same run: the raw DJL forward of the same shapes
 * ({@link RewardModel#scores}, no HTTP, no JSON, no rule scaffolding). Sequences: BOS, a 16-char
 * prompt, a 32-char completion, EOS (50 tokens). The two sides alternate in {@value #ROUNDS} rounds
 * per cell and each keeps its best round, which a shared machine's load swings disturb least.
 *
 * <p>Run from the repository root with the test classpath and one libtorch thread per side, e.g.
 *
 * <pre>
 * ./mvnw -o -q -pl reward-model-service test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=/tmp/rm-cp.txt -Dmdep.includeScope=test
 * ATEN_CPU_CAPABILITY=avx2 java -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 \
 *     -cp reward-model-service/target/test-classes:reward-model-service/target/classes:$(cat /tmp/rm-cp.txt) \
 *     dev.grpo.rewardmodel.RewardModelServingBench [seconds per round]
 * </pre>
 */
public final class RewardModelServingBench {

  private static final int[] BATCHES = {1, 16, 64};
  private static final int ROUNDS = 4;

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
    Path dir = Files.createTempDirectory("rm-bench");
    Path checkpoint = Checkpoints.write(dir.resolve("rm"), ModelPreset.SMALL, 1);
    String prompt = "What is 17 + 25?";
    List<String> completions = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      completions.add(
          String.format(Locale.ROOT, "<think>17+25=%02d</think>%-9s", 40 + i % 10, "ok"));
    }
    double[] raw = new double[BATCHES.length];
    double[] http = new double[BATCHES.length];
    CharTokenizer tokenizer = new CharTokenizer();
    ConfigurableApplicationContext app =
        SpringApplication.run(
            RewardModelServiceApplication.class,
            "--server.port=0",
            "--grpo.reward-model.checkpoint=" + checkpoint,
            "--grpo.reward-model.max-forward-batch=64",
            "--grpo.rule.time-budget=10s",
            "--logging.level.root=WARN");
    try (RewardModel model = RewardModel.load(checkpoint, Device.cpu())) {
      int port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
      HttpClient client = HttpClient.newHttpClient();
      JniUtils.setGradMode(false);
      for (int b = 0; b < BATCHES.length; b++) {
        List<int[]> seqs = new ArrayList<>();
        StringBuilder body = new StringBuilder("{\"items\": [");
        for (int i = 0; i < BATCHES[b]; i++) {
          seqs.add(RewardSequence.encode(tokenizer, prompt, completions.get(i)));
          body.append(i == 0 ? "" : ",")
              .append("{\"id\": \"s")
              .append(i)
              .append("\", \"prompt\": \"")
              .append(prompt)
              .append("\", \"completion\": \"")
              .append(completions.get(i))
              .append("\"}");
        }
        body.append("]}");
        HttpRequest request =
            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/score"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
        Runnable rawCall =
            () -> {
              try (NDManager scope = NDManager.newBaseManager()) {
                model.scores(seqs, scope).toFloatArray();
              }
            };
        Runnable httpCall =
            () -> {
              try {
                HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200 || !r.body().contains("\"OK\"")) {
                  throw new IllegalStateException(r.body());
                }
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            };
        // alternate the two in short rounds and keep each side's best round: on a shared machine
        // the load swings within seconds, and the best round is the least disturbed one
        for (int round = 0; round < ROUNDS; round++) {
          raw[b] = Math.max(raw[b], rate(BATCHES[b], seconds, rawCall));
          http[b] = Math.max(http[b], rate(BATCHES[b], seconds, httpCall));
        }
      }
    } finally {
      app.close();
    }
    System.out.printf(
        "reward-model service, small preset (hidden 256, 4 layers), 50-token sequences,"
            + " libtorch threads %s, %s available processors%n",
        System.getProperty("ai.djl.pytorch.num_threads", "default"),
        Runtime.getRuntime().availableProcessors());
    System.out.println(
        "batch | service POST /score (compl/s) | raw DJL forward (compl/s) | service / raw");
    System.out.println("----: | ----: | ----: | ----:");
    for (int b = 0; b < BATCHES.length; b++) {
      System.out.printf(
          Locale.ROOT, "%d | %.1f | %.1f | %.2f%n", BATCHES[b], http[b], raw[b], http[b] / raw[b]);
    }
  }

  /** Completions per second: warm-up, then as many calls as fit in {@code seconds}. */
  private static double rate(int batch, double seconds, Runnable call) {
    for (int i = 0; i < 3; i++) {
      call.run();
    }
    long start = System.nanoTime();
    long deadline = start + (long) (seconds * 1e9);
    int calls = 0;
    while (System.nanoTime() < deadline) {
      call.run();
      calls++;
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    return calls * batch / elapsed;
  }
}
