package dev.grpo.trainer.rm;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.sampling.BatchSampler;
import dev.grpo.policy.sampling.FinishReason;
import dev.grpo.policy.sampling.SampleOutput;
import dev.grpo.policy.sampling.SamplingParams;
import dev.grpo.policy.tokenizer.CharTokenizer;
import dev.grpo.trainer.grpo.GrpoConfig;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.optim.LearningRateSchedule;
import dev.grpo.trainer.rm.PolicyPreferenceExample.Label;
import dev.grpo.trainer.train.GrpoTrainer;
import dev.grpo.trainer.train.RolloutBatch;
import dev.grpo.trainer.train.SftExample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The worked example of issue 17, item 4 (second half): the same GRPO run rewarded by the learned
 * reward model (plus format) and by the verifier (plus format), side by side.
 *
 * <ol>
 *   <li>{@link PolicyPreferenceExample#prepare} cold-starts the tiny policy, samples it, builds
 *       preference pairs (problems split about 80/20, 75/25 with its seed: held-out problems are
 *       never trained on, neither by the reward model nor by GRPO) and trains the reward model.
 *   <li>The reward model is served by the real {@code reward-model-service} application, booted in
 *       this JVM on a free port ({@link LearnedRewardService}), normalised by the calibration set
 *       (the training pairs' completions); every group is scored by its {@code POST /score}, as the
 *       reward service sends it.
 *   <li>Two GRPO runs start from copies of the cold-started policy, with the same seed, prompts,
 *       sampling and optimiser, on the training problems: one rewarded by {@code 1·[right answer] +
 *       0.2·[format]} ({@code math_accuracy} + {@code format}, as in the demo run's spec), one by
 *       {@code 1·learned_reward + 0.2·[format]}. Both runs have every completion scored by both, so
 *       the disagreement is measured in each.
 *   <li>Every {@code evalEvery} steps: accuracy by the verifier (right answer in the right format)
 *       of 8 samples at temperature 1 of each held-out and each training problem.
 * </ol>
 *
 * <p>Disagreement, per step over its {@code 16 × 8} completions: the learned reward calls a
 * completion good when its raw score is above τ, the median raw score of the calibration set (half
 * chosen, half rejected completions, so a reward model that ranked every training pair right would
 * split them at τ); {@code disagree} is the share of completions where that call differs from the
 * verifier's (right answer in the right format). {@code misranked} needs no threshold: of the pairs
 * (right, not right) within one group, the share the learned reward scores the wrong way round
 * (ties count as wrong), which is what a group-relative advantage sees.
 *
 * <p>Run with the test classpath (it needs reward-model-service's plain jar: {@code ./mvnw -pl
 * reward-model-service -am install -DskipTests} first), one libtorch thread and the pinned kernels:
 *
 * <pre>
 * ATEN_CPU_CAPABILITY=avx2 MKL_CBWR=AVX2 java -Dai.djl.pytorch.num_threads=1 \
 *     -Dai.djl.pytorch.num_interop_threads=1 -cp ... dev.grpo.trainer.rm.LearnedRewardGrpoExample \
 *     [out dir] [steps] [seeds, e.g. 1,2] [eval every]
 * </pre>
 */
public final class LearnedRewardGrpoExample {

  private static final CharTokenizer TOKENIZER = new CharTokenizer();
  static final double FORMAT_WEIGHT = 0.2;
  static final int PROMPTS = 16;
  static final int GROUP = 8;
  static final int MAX_TOKENS = 24;
  static final double LEARNING_RATE = 5e-4;
  static final int EVAL_SAMPLES = 8;
  static final long EVAL_SEED = 99;
  static final int WINDOW = 5;

  enum Reward {
    MATH_ACCURACY("math_accuracy+format"),
    LEARNED_REWARD("learned_reward+format");

    final String label;

    Reward(String label) {
      this.label = label;
    }
  }

  /** One step's completions through both rewards. */
  record StepRow(
      int step,
      double verifierAccuracy,
      double formatRate,
      double learnedMean,
      double disagree,
      double misranked,
      int rankedPairs,
      int unscored) {}

  /** Verifier accuracy of sampled completions on the held-out and the training problems. */
  record EvalRow(int step, double heldOut, double train, double heldOutDisagree) {}

  record RunResult(Reward reward, long seed, List<StepRow> steps, List<EvalRow> evals) {}

  private LearnedRewardGrpoExample() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "target/learned-reward-grpo-example");
    int steps = args.length > 1 ? Integer.parseInt(args[1]) : 60;
    long[] seeds =
        Arrays.stream((args.length > 2 ? args[2] : "1").split(","))
            .mapToLong(Long::parseLong)
            .toArray();
    int evalEvery = args.length > 3 ? Integer.parseInt(args[3]) : 10;
    long started = System.nanoTime();
    PolicyPreferenceExample.Prepared prepared = PolicyPreferenceExample.prepare(out, 12, false);
    try (DecoderModel coldStarted = prepared.policy();
        LearnedRewardService service =
            LearnedRewardService.start(
                prepared.rewardModel(), prepared.calibration(), out.resolve("rm-state"))) {
      double threshold = median(service.calibrationRaw(prepared.calibration()));
      System.out.printf(
          "reward model served by reward-model-service at %s, rule %s version %s; τ = median raw"
              + " score of the %d calibration completions = %.4f (%.0f s so far)%n",
          service.url(),
          service.ruleName(),
          service.version(),
          Files.readAllLines(prepared.calibration()).size(),
          threshold,
          (System.nanoTime() - started) / 1e9);
      List<RunResult> results = new ArrayList<>();
      for (long seed : seeds) {
        for (Reward reward : Reward.values()) {
          RunResult r =
              run(coldStarted, reward, seed, steps, evalEvery, prepared, service, threshold);
          results.add(r);
          EvalRow first = r.evals().get(0);
          EvalRow last = r.evals().get(r.evals().size() - 1);
          System.out.printf(
              "%s seed %d: held-out accuracy %.3f -> %.3f, training problems %.3f -> %.3f (%.0f s"
                  + " so far)%n",
              reward.label,
              seed,
              first.heldOut(),
              last.heldOut(),
              first.train(),
              last.train(),
              (System.nanoTime() - started) / 1e9);
        }
      }
      System.out.println();
      System.out.print(
          evalTable(results, prepared.heldOutProblems().size(), prepared.trainProblems().size()));
      System.out.println();
      System.out.print(disagreementTable(results));
      System.out.println();
      System.out.print(summaryTable(results, evalEvery));
      System.out.printf("total %.0f s%n", (System.nanoTime() - started) / 1e9);
    }
  }

  static RunResult run(
      DecoderModel coldStarted,
      Reward reward,
      long seed,
      int steps,
      int evalEvery,
      PolicyPreferenceExample.Prepared prepared,
      LearnedRewardService service,
      double threshold)
      throws Exception {
    Map<String, NDArray> copies = new LinkedHashMap<>();
    coldStarted.parameters().forEach((name, array) -> copies.put(name, array.duplicate()));
    List<StepRow> rows = new ArrayList<>();
    List<EvalRow> evals = new ArrayList<>();
    try (DecoderModel policy =
            DecoderModel.fromWeights(coldStarted.config(), copies, Device.cpu());
        AdamW optimizer =
            new AdamW(
                new AdamW.Config(LEARNING_RATE, 0.9, 0.99, 1e-8, 0.0, 1.0),
                LearningRateSchedule.constant())) {
      GrpoTrainer trainer =
          new GrpoTrainer(
              policy,
              null,
              optimizer,
              new GrpoTrainer.Options(GrpoConfig.builder().build(), 1, 1f));
      SplittableRandom data = new SplittableRandom(1000 + seed);
      for (int step = 0; step <= steps; step++) {
        if (step % evalEvery == 0 || step == steps) {
          evals.add(
              evaluate(
                  policy,
                  step,
                  prepared,
                  service,
                  threshold,
                  step == steps ? reward.label + " seed " + seed : null));
        }
        if (step == steps) {
          break;
        }
        List<Integer> problems = new ArrayList<>();
        for (int i = 0; i < PROMPTS; i++) {
          problems.add(prepared.trainProblems().get(data.nextInt(prepared.trainProblems().size())));
        }
        Sampled s = sample(policy, problems, GROUP, seed * 100_003 + step, service);
        double[] rewards = new double[s.size()];
        for (int i = 0; i < s.size(); i++) {
          double format = s.labels[i] == Label.BAD_FORMAT ? 0 : 1;
          rewards[i] =
              reward == Reward.MATH_ACCURACY
                  ? (s.labels[i] == Label.RIGHT ? 1 : 0) + FORMAT_WEIGHT * format
                  : s.learned[i] + FORMAT_WEIGHT * format; // NaN (unscored): advantage 0
        }
        trainer.step(new RolloutBatch(s.prompts, GROUP, s.completions, null, rewards, s.truncated));
        rows.add(s.row(step, threshold));
      }
    }
    return new RunResult(reward, seed, rows, evals);
  }

  private static EvalRow evaluate(
      DecoderModel policy,
      int step,
      PolicyPreferenceExample.Prepared prepared,
      LearnedRewardService service,
      double threshold,
      String showCompletionsOf)
      throws Exception {
    Sampled held = sample(policy, prepared.heldOutProblems(), EVAL_SAMPLES, EVAL_SEED, service);
    if (showCompletionsOf != null) {
      // what the policy says on held-out problems: the commonest answers, with the verifier's label
      Map<String, Integer> answers = new LinkedHashMap<>();
      for (int i = 0; i < held.size(); i++) {
        String text = TOKENIZER.decode(held.completions.get(i));
        int start = text.indexOf("<answer>");
        String answer = start < 0 ? "(no answer tag)" : text.substring(start);
        answers.merge(answer + " " + held.labels[i], 1, Integer::sum);
      }
      StringBuilder top = new StringBuilder();
      answers.entrySet().stream()
          .sorted((x, y) -> y.getValue() - x.getValue())
          .limit(5)
          .forEach(e -> top.append(String.format("  %3d x %s%n", e.getValue(), e.getKey())));
      System.out.printf(
          "%s, last step: commonest answers of %d held-out samples%n%s",
          showCompletionsOf, held.size(), top);
    }
    Sampled train = sample(policy, prepared.trainProblems(), EVAL_SAMPLES, EVAL_SEED, null);
    return new EvalRow(
        step, held.accuracy(), train.accuracy(), held.row(step, threshold).disagree());
  }

  /** Samples of a policy, labelled by the verifier and (when a service is given) scored by it. */
  private static final class Sampled {
    final List<int[]> prompts = new ArrayList<>();
    final List<int[]> completions = new ArrayList<>();
    final int group;
    Label[] labels;
    boolean[] truncated;
    double[] learned;
    double[] raw;

    Sampled(int group) {
      this.group = group;
    }

    int size() {
      return completions.size();
    }

    double accuracy() {
      return Arrays.stream(labels).filter(l -> l == Label.RIGHT).count() / (double) size();
    }

    StepRow row(int step, double threshold) {
      int right = 0;
      int formatted = 0;
      int disagree = 0;
      int scored = 0;
      double learnedSum = 0;
      int pairs = 0;
      int misranked = 0;
      for (int i = 0; i < size(); i++) {
        boolean good = labels[i] == Label.RIGHT;
        right += good ? 1 : 0;
        formatted += labels[i] == Label.BAD_FORMAT ? 0 : 1;
        if (Double.isNaN(raw[i])) {
          continue;
        }
        scored++;
        learnedSum += learned[i];
        disagree += (raw[i] > threshold) != good ? 1 : 0;
      }
      for (int from = 0; from < size(); from += group) {
        for (int i = from; i < from + group; i++) {
          for (int j = from; j < from + group; j++) {
            if (labels[i] == Label.RIGHT
                && labels[j] != Label.RIGHT
                && !Double.isNaN(raw[i])
                && !Double.isNaN(raw[j])) {
              pairs++;
              misranked += raw[i] <= raw[j] ? 1 : 0;
            }
          }
        }
      }
      return new StepRow(
          step,
          right / (double) size(),
          formatted / (double) size(),
          learnedSum / scored,
          disagree / (double) scored,
          pairs == 0 ? Double.NaN : misranked / (double) pairs,
          pairs,
          size() - scored);
    }
  }

  private static Sampled sample(
      DecoderModel policy, List<Integer> problems, int group, long seed, LearnedRewardService rm)
      throws Exception {
    Sampled s = new Sampled(group);
    for (int p : problems) {
      s.prompts.add(SftExample.of(TOKENIZER, prompt(p), "").prompt());
    }
    List<SampleOutput> samples =
        new BatchSampler(policy, TOKENIZER)
            .generate(
                s.prompts,
                SamplingParams.builder()
                    .n(group)
                    .maxTokens(MAX_TOKENS)
                    .temperature(1f)
                    .seed(seed)
                    .build());
    int n = samples.size();
    s.labels = new Label[n];
    s.truncated = new boolean[n];
    s.learned = new double[n];
    s.raw = new double[n];
    List<String> texts = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      SampleOutput o = samples.get(i);
      int p = problems.get(i / group);
      String text = TOKENIZER.decode(o.tokenIds());
      texts.add(text);
      s.completions.add(o.tokenIds());
      s.labels[i] = PolicyPreferenceExample.label(p / 10, p % 10, text);
      s.truncated[i] = o.finishReason() == FinishReason.LENGTH;
    }
    Arrays.fill(s.learned, Double.NaN);
    Arrays.fill(s.raw, Double.NaN);
    if (rm != null) {
      for (int k = 0; k < problems.size(); k++) {
        List<LearnedRewardService.Score> scores =
            rm.scoreGroup(prompt(problems.get(k)), texts.subList(k * group, (k + 1) * group));
        for (int g = 0; g < group; g++) {
          LearnedRewardService.Score score = scores.get(g);
          if (score.ok()) {
            s.learned[k * group + g] = score.normalised();
            s.raw[k * group + g] = score.raw();
          }
        }
      }
    }
    return s;
  }

  static String prompt(int problem) {
    return problem / 10 + "+" + problem % 10 + "=";
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  static String evalTable(List<RunResult> results, int heldOutProblems, int trainProblems) {
    StringBuilder b = new StringBuilder();
    b.append(
        "verifier accuracy of 8 samples (T=1) per problem; held-out: the "
            + heldOutProblems
            + " problems never trained on, train: the "
            + trainProblems
            + " GRPO and the reward model trained on\n\n");
    b.append("| seed | step |");
    for (Reward r : Reward.values()) {
      b.append(" ").append(r.label).append(" held-out | train |");
    }
    b.append(" learned_reward+format run: held-out disagree |\n|---:|---:|");
    b.append("---:|---:|".repeat(Reward.values().length)).append("---:|\n");
    for (long seed : results.stream().mapToLong(RunResult::seed).distinct().toArray()) {
      List<RunResult> of = results.stream().filter(r -> r.seed() == seed).toList();
      for (int e = 0; e < of.get(0).evals().size(); e++) {
        b.append(String.format("| %d | %d |", seed, of.get(0).evals().get(e).step()));
        EvalRow learned = null;
        for (RunResult r : of) {
          EvalRow row = r.evals().get(e);
          b.append(String.format(" %.3f | %.3f |", row.heldOut(), row.train()));
          if (r.reward() == Reward.LEARNED_REWARD) {
            learned = row;
          }
        }
        b.append(
            String.format(" %.3f |%n", learned == null ? Double.NaN : learned.heldOutDisagree()));
      }
    }
    return b.toString();
  }

  static String disagreementTable(List<RunResult> results) {
    StringBuilder b = new StringBuilder();
    b.append(
        "training completions per window of "
            + WINDOW
            + " steps ("
            + WINDOW * PROMPTS * GROUP
            + " completions): verifier accuracy, mean learned reward (normalised), disagree (learned"
            + " reward > τ != verifier right), misranked (right-vs-not-right pairs within a group"
            + " the learned reward orders wrongly)\n\n");
    b.append(
        "| seed | run | steps | verifier acc | format | learned reward | disagree | misranked |\n");
    b.append("|---:|---|---|---:|---:|---:|---:|---:|\n");
    for (RunResult r : results) {
      for (int from = 0; from < r.steps().size(); from += WINDOW) {
        List<StepRow> w = r.steps().subList(from, Math.min(r.steps().size(), from + WINDOW));
        double pairs = w.stream().mapToInt(StepRow::rankedPairs).sum();
        double misranked =
            w.stream()
                    .filter(s -> s.rankedPairs() > 0)
                    .mapToDouble(s -> s.misranked() * s.rankedPairs())
                    .sum()
                / pairs;
        b.append(
            String.format(
                "| %d | %s | %d-%d | %.3f | %.3f | %+.3f | %.3f | %.3f |%n",
                r.seed(),
                r.reward().label,
                w.get(0).step(),
                w.get(w.size() - 1).step(),
                w.stream().mapToDouble(StepRow::verifierAccuracy).average().orElseThrow(),
                w.stream().mapToDouble(StepRow::formatRate).average().orElseThrow(),
                w.stream().mapToDouble(StepRow::learnedMean).average().orElseThrow(),
                w.stream().mapToDouble(StepRow::disagree).average().orElseThrow(),
                misranked));
      }
    }
    int unscored =
        results.stream().flatMap(r -> r.steps().stream()).mapToInt(StepRow::unscored).sum();
    b.append(String.format("completions the learned reward did not score: %d%n", unscored));
    return b.toString();
  }

  /**
   * Means over the seeds: held-out accuracy at each evaluation, and per {@code evalEvery} steps of
   * training completions the verifier's accuracy, the learned reward and the disagreement, for both
   * runs.
   */
  static String summaryTable(List<RunResult> results, int evalEvery) {
    long seeds = results.stream().mapToLong(RunResult::seed).distinct().count();
    StringBuilder b = new StringBuilder();
    b.append("means over ")
        .append(seeds)
        .append(" seed(s); steps a-b: the training completions of those steps\n\n");
    b.append(
        "| step | held-out acc, math_accuracy+format | held-out acc, learned_reward+format |"
            + " steps | math run: train acc | learned reward | disagree | learned run: train acc"
            + " | learned reward | disagree | misranked |\n");
    b.append("|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
    List<RunResult> math =
        results.stream().filter(r -> r.reward() == Reward.MATH_ACCURACY).toList();
    List<RunResult> learned =
        results.stream().filter(r -> r.reward() == Reward.LEARNED_REWARD).toList();
    int evals = math.get(0).evals().size();
    for (int e = 0; e < evals; e++) {
      int step = math.get(0).evals().get(e).step();
      int index = e;
      b.append(
          String.format(
              "| %d | %.3f | %.3f |",
              step,
              math.stream()
                  .mapToDouble(r -> r.evals().get(index).heldOut())
                  .average()
                  .orElseThrow(),
              learned.stream()
                  .mapToDouble(r -> r.evals().get(index).heldOut())
                  .average()
                  .orElseThrow()));
      int from = step;
      int to = Math.min(step + evalEvery, math.get(0).steps().size());
      if (from >= to) {
        b.append(" | | | | | | | |\n");
        continue;
      }
      b.append(String.format(" %d-%d |", from, to - 1));
      for (List<RunResult> runs : List.of(math, learned)) {
        List<StepRow> rows =
            runs.stream().flatMap(r -> r.steps().subList(from, to).stream()).toList();
        b.append(
            String.format(
                " %.3f | %+.3f | %.3f |",
                rows.stream().mapToDouble(StepRow::verifierAccuracy).average().orElseThrow(),
                rows.stream().mapToDouble(StepRow::learnedMean).average().orElseThrow(),
                rows.stream().mapToDouble(StepRow::disagree).average().orElseThrow()));
        if (runs == learned) {
          double pairs = rows.stream().mapToInt(StepRow::rankedPairs).sum();
          b.append(
              String.format(
                  " %.3f |",
                  rows.stream()
                          .filter(r -> r.rankedPairs() > 0)
                          .mapToDouble(r -> r.misranked() * r.rankedPairs())
                          .sum()
                      / pairs));
        }
      }
      b.append("\n");
    }
    return b.toString();
  }
}
