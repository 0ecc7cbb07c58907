package dev.grpo.trainer.rm;

import ai.djl.Device;
import dev.grpo.api.run.PreferenceFormat;
import dev.grpo.api.run.RewardModelTraining;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelPreset;
import dev.grpo.policy.reward.RewardModel;
import dev.grpo.policy.sampling.BatchSampler;
import dev.grpo.policy.sampling.SampleOutput;
import dev.grpo.policy.sampling.SamplingParams;
import dev.grpo.policy.tokenizer.CharTokenizer;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.optim.LearningRateSchedule;
import dev.grpo.trainer.rm.RewardModelFit.EpochReport;
import dev.grpo.trainer.train.SftExample;
import dev.grpo.trainer.train.SftTrainer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.json.JsonMapper;

/**
 * The worked example of issue 17, item 4 (first half): preference pairs from real samples of the
 * demo policy, and a reward model trained on them.
 *
 * <ol>
 *   <li>A tiny policy gets a short cold start (SFT on formatted sums {@code a+b=} → {@code
 *       <think>a+b</think><answer>s</answer>}), short enough that its samples are a mix of right,
 *       wrong and badly formatted completions.
 *   <li>It samples 8 completions per problem for all 100 single-digit sums at temperature 1; the
 *       verifier (format, then exact answer) labels each.
 *   <li>For each problem, every right-and-formatted sample is paired with a sample that is wrong or
 *       badly formatted (up to 4 pairs per problem), chosen = the right one. Problems (not pairs)
 *       are split 80/20, so held-out pairs have prompts the reward model never saw (argument {@code
 *       pair}: pairs are split 80/20 instead, so held-out prompts were mostly seen).
 *   <li>The pairs are written as {@code pairs}-format JSONL, read back through {@link
 *       PreferenceFile}, and a reward model (score head on the cold-started policy's backbone) is
 *       trained on them; held-out pairwise accuracy per epoch is printed.
 * </ol>
 *
 * <p>Run with the test classpath, one libtorch thread and the pinned kernels:
 *
 * <pre>
 * ATEN_CPU_CAPABILITY=avx2 MKL_CBWR=AVX2 java -Dai.djl.pytorch.num_threads=1 \
 *     -Dai.djl.pytorch.num_interop_threads=1 -cp ... dev.grpo.trainer.rm.PolicyPreferenceExample [out dir] [SFT epochs] [problem|pair]
 * </pre>
 */
public final class PolicyPreferenceExample {

  private static final CharTokenizer TOKENIZER = new CharTokenizer();
  private static final Pattern FORMAT =
      Pattern.compile("<think>([^<]*)</think><answer>([^<]*)</answer>");

  private PolicyPreferenceExample() {}

  enum Label {
    RIGHT,
    WRONG,
    BAD_FORMAT
  }

  static Label label(int a, int b, String completion) {
    Matcher m = FORMAT.matcher(completion);
    if (!m.matches()) {
      return Label.BAD_FORMAT;
    }
    return m.group(2).equals(Integer.toString(a + b)) ? Label.RIGHT : Label.WRONG;
  }

  /**
   * What {@link #prepare} leaves behind: the cold-started policy (the caller closes it), the saved
   * reward model, the problems ({@code a * 10 + b}) whose pairs were trained on and held out, and
   * the calibration set (every completion of the training pairs, chosen and rejected, one {@code
   * {"prompt", "completion"}} JSON object per line).
   */
  record Prepared(
      DecoderModel policy,
      Path rewardModel,
      List<Integer> trainProblems,
      List<Integer> heldOutProblems,
      Path calibration) {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "target/policy-preference-example");
    int sftEpochs = args.length > 1 ? Integer.parseInt(args[1]) : 12;
    // "problem": held-out pairs have prompts never trained on; "pair": any pair may be held out
    boolean splitByPair = args.length > 2 && args[2].equals("pair");
    prepare(out, sftEpochs, splitByPair).policy().close();
  }

  /** Steps 1 to 4 above, printing the counts and the accuracy curve. */
  static Prepared prepare(Path out, int sftEpochs, boolean splitByPair) throws Exception {
    Files.createDirectories(out);
    long seed = 1;
    DecoderModel policy = DecoderModel.randomInit(ModelPreset.TINY.config(), seed, Device.cpu());
    try {
      // 1. a short cold start
      List<SftExample> examples = new ArrayList<>();
      SplittableRandom problems = new SplittableRandom(0x5EED);
      for (int i = 0; i < 300; i++) {
        int a = problems.nextInt(10);
        int b = problems.nextInt(10);
        examples.add(
            SftExample.of(
                TOKENIZER,
                a + "+" + b + "=",
                "<think>" + a + "+" + b + "</think><answer>" + (a + b) + "</answer>"));
      }
      try (AdamW sftOptimizer =
          new AdamW(
              new AdamW.Config(5e-3, 0.9, 0.999, 1e-8, 0.0, 1.0),
              LearningRateSchedule.constant())) {
        SftTrainer sft = new SftTrainer(policy, sftOptimizer);
        for (int epoch = 0; epoch < sftEpochs; epoch++) {
          for (int s = 0; s < examples.size(); s += 30) {
            sft.step(examples.subList(s, Math.min(examples.size(), s + 30)));
          }
        }
      }
      policy.setRequiresGradient(false);

      // 2. real samples of the policy, labelled by the verifier
      List<int[]> prompts = new ArrayList<>();
      for (int a = 0; a < 10; a++) {
        for (int b = 0; b < 10; b++) {
          prompts.add(SftExample.of(TOKENIZER, a + "+" + b + "=", "").prompt());
        }
      }
      int group = 8;
      List<SampleOutput> samples =
          new BatchSampler(policy, TOKENIZER)
              .generate(
                  prompts,
                  SamplingParams.builder().n(group).maxTokens(24).temperature(1f).seed(7).build());
      Map<Label, Integer> labels = new LinkedHashMap<>();
      JsonMapper json = JsonMapper.builder().build();
      List<String> trainLines = new ArrayList<>();
      List<String> heldOutLines = new ArrayList<>();
      List<String> calibrationLines = new ArrayList<>();
      List<Integer> trainProblems = new ArrayList<>();
      List<Integer> heldOutProblems = new ArrayList<>();
      SplittableRandom split = new SplittableRandom(11);
      int problemsWithPairs = 0;
      for (int p = 0; p < 100; p++) {
        int a = p / 10;
        int b = p % 10;
        List<String> right = new ArrayList<>();
        List<String> other = new ArrayList<>();
        for (int g = 0; g < group; g++) {
          String text = TOKENIZER.decode(samples.get(p * group + g).tokenIds());
          Label l = label(a, b, text);
          labels.merge(l, 1, Integer::sum);
          (l == Label.RIGHT ? right : other).add(text);
        }
        boolean heldOut = split.nextInt(5) == 0;
        (heldOut ? heldOutProblems : trainProblems).add(p);
        int made = 0;
        for (int i = 0; i < right.size() && made < 4; i++) {
          for (int j = 0; j < other.size() && made < 4; j++) {
            if (right.get(i).equals(other.get(j))) {
              continue;
            }
            Map<String, String> row = new LinkedHashMap<>();
            row.put("prompt", a + "+" + b + "=");
            row.put("chosen", right.get(i));
            row.put("rejected", other.get((i + j) % other.size()));
            boolean held = splitByPair ? split.nextInt(5) == 0 : heldOut;
            (held ? heldOutLines : trainLines).add(json.writeValueAsString(row));
            if (!held) {
              for (String side : List.of("chosen", "rejected")) {
                Map<String, String> calibration = new LinkedHashMap<>();
                calibration.put("prompt", row.get("prompt"));
                calibration.put("completion", row.get(side));
                calibrationLines.add(json.writeValueAsString(calibration));
              }
            }
            made++;
          }
        }
        problemsWithPairs += made > 0 ? 1 : 0;
      }
      Path trainFile = out.resolve("pairs-train.jsonl");
      Path heldOutFile = out.resolve("pairs-heldout.jsonl");
      Path calibrationFile = out.resolve("calibration.jsonl");
      Files.write(trainFile, trainLines, StandardCharsets.UTF_8);
      Files.write(heldOutFile, heldOutLines, StandardCharsets.UTF_8);
      Files.write(calibrationFile, calibrationLines, StandardCharsets.UTF_8);
      System.out.printf(
          "samples: %d (%s); problems with a pair: %d; pairs: %d train, %d held out%n",
          samples.size(), labels, problemsWithPairs, trainLines.size(), heldOutLines.size());

      // 3. the reward model on the policy's backbone
      RewardModelTraining spec =
          new RewardModelTraining(
              trainFile.toString(),
              PreferenceFormat.PAIRS,
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              null,
              null);
      PreferenceFile reader = new PreferenceFile(json);
      PreferenceFile.Read train = reader.read(trainFile, spec);
      PreferenceFile.Read held = reader.read(heldOutFile, spec);
      PreferenceSet trainSet = PreferenceSet.of(train, TOKENIZER, 512, 0, 0.01, 1);
      PreferenceSet heldSet = PreferenceSet.of(held, TOKENIZER, 512, 0, 0.01, 1);
      List<RewardModelTrainer.EncodedPair> allTrain = new ArrayList<>(trainSet.train());
      allTrain.addAll(trainSet.heldOut());
      List<RewardModelTrainer.EncodedPair> allHeld = new ArrayList<>(heldSet.train());
      allHeld.addAll(heldSet.heldOut());
      System.out.printf(
          "rows left out: train file %s, held-out file %s%n",
          train.rejections().counts(), held.rejections().counts());
      PreferenceSet data = new PreferenceSet(allTrain, allHeld, train.rejections());
      // copies libtorch owns: a same-device fromWeights alone would view the policy's arrays
      Map<String, ai.djl.ndarray.NDArray> copies = new LinkedHashMap<>();
      policy.parameters().forEach((name, array) -> copies.put(name, array.duplicate()));
      DecoderModel backbone = DecoderModel.fromWeights(policy.config(), copies, Device.cpu());
      Path saved = out.resolve("reward-model");
      try (RewardModel model = RewardModel.withNewHead(backbone, seed);
          AdamW optimizer =
              new AdamW(
                  new AdamW.Config(1e-3, 0.9, 0.999, 1e-8, 0.0, 1.0),
                  LearningRateSchedule.constant())) {
        RewardModelTrainer trainer = new RewardModelTrainer(model, optimizer);
        System.out.println(
            "epoch | updates | train loss | train acc | held-out acc | held-out loss");
        System.out.println("----: | ----: | ----: | ----: | ----: | ----:");
        List<EpochReport> curve =
            RewardModelFit.run(
                trainer,
                data,
                8,
                16,
                seed,
                r ->
                    System.out.printf(
                        "%d | %d | %.4f | %.3f | %.3f | %.4f%n",
                        r.epoch(),
                        r.updates(),
                        r.trainLoss(),
                        r.trainAccuracy(),
                        r.heldOut().accuracy(),
                        r.heldOut().loss()));
        model.save(saved);
        System.out.printf(
            "final held-out pairwise accuracy %.3f on %d pairs of %d prompts%n",
            curve.get(curve.size() - 1).heldOut().accuracy(),
            allHeld.size(),
            heldOutLines.stream().map(l -> l.substring(0, l.indexOf(','))).distinct().count());
      }
      return new Prepared(policy, saved, trainProblems, heldOutProblems, calibrationFile);
    } catch (Exception | Error e) {
      policy.close();
      throw e;
    }
  }
}
