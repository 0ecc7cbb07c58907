package dev.grpo.trainer.rm;

import ai.djl.Device;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.grpo.api.run.RewardModelTraining;
import dev.grpo.api.run.RunSpec;
import dev.grpo.ledger.rm.RewardModelLedger;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.reward.RewardModel;
import dev.grpo.policy.tokenizer.Tokenizer;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.optim.LearningRateSchedule;
import dev.grpo.trainer.rm.RewardModelFit.EpochReport;
import dev.grpo.trainer.train.Checkpointer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.ObjectMapper;

/**
 * A {@code kind: reward_model} run from start to end: reads the preference file (rows left out are
 * recorded per reason in the ledger before training starts), trains the score head and backbone for
 * the spec's epochs, and after every epoch records the held-out pairwise accuracy in the ledger and
 * as gauges and writes a {@link RewardModelCheckpoint} with its lineage.
 *
 * <p>Gauges: {@code grpo.rm.heldout.accuracy}, {@code grpo.rm.heldout.loss}, {@code
 * grpo.rm.train.loss}, {@code grpo.rm.epoch} (tag {@code run}); {@code grpo.rm.pairs.rejected}
 * (tags {@code run}, {@code reason}).
 */
public final class RewardModelRun {

  private static final Logger log = LoggerFactory.getLogger(RewardModelRun.class);

  /** Where gauges go: the trainer's meters, tagged with the run. */
  public interface Gauges {
    void set(String name, double value, String... tags);
  }

  /**
   * What a run needs.
   *
   * @param tokenizer the model's tokenizer
   * @param initialBackbone the policy the head goes on when the spec names no parent checkpoint
   * @param tokenizerDir the model folder's tokenizer files, or null for the character tokenizer
   * @param runDir where the run's checkpoints go
   * @param keepGoing false once this trainer should stop (lease lost, shutting down)
   */
  public record Setup(
      UUID runId,
      RunSpec spec,
      Tokenizer tokenizer,
      Supplier<DecoderModel> initialBackbone,
      Path tokenizerDir,
      Path runDir,
      RewardModelLedger ledger,
      ObjectMapper mapper,
      Gauges gauges,
      BooleanSupplier keepGoing) {}

  /**
   * @param epochs the epochs this call trained (after a resume, not those before the break)
   * @param completed false when the run stopped before its last epoch (keepGoing turned false)
   */
  public record Result(List<EpochReport> epochs, boolean completed) {}

  private final Setup setup;
  private final RewardModelTraining rm;

  public RewardModelRun(Setup setup) {
    this.setup = setup;
    this.rm = setup.spec().rewardModel();
    if (rm == null) {
      throw new IllegalArgumentException("a reward_model run needs the rewardModel section");
    }
  }

  /** The checkpoint folder of an epoch. */
  public static Path checkpointDir(Path runDir, int epoch) {
    return runDir.resolve("reward-model").resolve("epoch-" + epoch);
  }

  /**
   * Trains the run, or, when the ledger records a checkpoint of an earlier attempt of this run (a
   * takeover, a resume after pause), continues after the last recorded epoch whose checkpoint is
   * intact ({@link RewardModelCheckpoint#notResumable}): its weights and optimizer moments are
   * loaded, the rows of the epochs up to it are left as they are, and the epochs after it are
   * trained as they would have been without the break.
   */
  public Result run() {
    UUID runId = setup.runId();
    Path file = Path.of(rm.path());
    PreferenceFile.Read read = new PreferenceFile(setup.mapper()).read(file, rm);
    String dataSha = Checkpointer.sha256(file);
    RewardModelLedger.EpochRow resumeFrom = resumePoint(dataSha);
    try (RewardModel model =
        resumeFrom == null
            ? startingModel()
            : RewardModel.load(Path.of(resumeFrom.checkpointPath()), Device.cpu())) {
      PreferenceSet data =
          PreferenceSet.of(
              read,
              setup.tokenizer(),
              model.maxTokens(),
              rm.margin(),
              rm.evalFraction(),
              setup.spec().seed());
      if (resumeFrom == null || setup.ledger().data(runId) == null) {
        recordData(data);
      }
      RunSpec.Optimizer o = setup.spec().optimizer();
      try (AdamW optimizer =
          new AdamW(
              new AdamW.Config(
                  o.learningRate(),
                  o.beta1(),
                  o.beta2(),
                  o.epsilon(),
                  o.weightDecay(),
                  o.maxGradNorm()),
              LearningRateSchedule.constantWithWarmup(o.warmupSteps()))) {
        if (resumeFrom != null) {
          RewardModelCheckpoint.restoreOptimizer(Path.of(resumeFrom.checkpointPath()), optimizer);
          log.info(
              "reward-model run {} resumes after epoch {} ({} updates) from {}",
              runId,
              resumeFrom.epoch(),
              resumeFrom.updates(),
              resumeFrom.checkpointPath());
        }
        RewardModelTrainer trainer = new RewardModelTrainer(model, optimizer);
        List<EpochReport> reports = new ArrayList<>();
        RewardModelFit.resume(
            trainer,
            data,
            rm.epochs(),
            rm.batchSize(),
            setup.spec().seed(),
            resumeFrom == null ? 0 : resumeFrom.epoch(),
            resumeFrom == null ? 0 : resumeFrom.updates(),
            report -> {
              if (!setup.keepGoing().getAsBoolean()) {
                throw new StopRequested();
              }
              reports.add(report);
              recordEpoch(model, optimizer, report, dataSha);
            });
        return new Result(List.copyOf(reports), true);
      } catch (StopRequested e) {
        log.info("reward-model run {} stopped before its last epoch", runId);
        return new Result(List.of(), false);
      }
    }
  }

  /**
   * The last recorded epoch of an earlier attempt whose checkpoint can be resumed from, or null to
   * train from the start. Only the latest checkpointed row is considered: when it is damaged the
   * run starts again rather than falling back past it.
   */
  private RewardModelLedger.EpochRow resumePoint(String dataSha) {
    List<RewardModelLedger.EpochRow> rows = setup.ledger().epochs(setup.runId());
    for (int i = rows.size() - 1; i >= 0; i--) {
      RewardModelLedger.EpochRow row = rows.get(i);
      if (row.epoch() < 1 || row.epoch() > rm.epochs() || row.checkpointPath() == null) {
        continue;
      }
      String why =
          RewardModelCheckpoint.notResumable(
              Path.of(row.checkpointPath()), row.checkpointSha256(), dataSha);
      if (why == null) {
        return row;
      }
      log.warn(
          "reward-model run {} trains again from the start: epoch {} cannot be resumed: {}",
          setup.runId(),
          row.epoch(),
          why);
      return null;
    }
    return null;
  }

  /** Thrown from the epoch callback to leave the epoch loop when the run should stop. */
  private static final class StopRequested extends RuntimeException {
    StopRequested() {
      super(null, null, false, false);
    }
  }

  private RewardModel startingModel() {
    if (rm.parentCheckpoint() != null) {
      Path parent = Path.of(rm.parentCheckpoint());
      if (Files.isRegularFile(parent.resolve(RewardModel.HEAD_FILE))) {
        return RewardModel.load(parent, Device.cpu());
      }
      return RewardModel.withNewHead(DecoderModel.load(parent, Device.cpu()), setup.spec().seed());
    }
    return RewardModel.withNewHead(setup.initialBackbone().get(), setup.spec().seed());
  }

  private void recordData(PreferenceSet data) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    Map<String, List<String>> examples = new LinkedHashMap<>();
    Map<PreferenceRejection, List<String>> kept = data.rejections().examples();
    data.rejections()
        .counts()
        .forEach(
            (reason, n) -> {
              String wire = reason.name().toLowerCase(java.util.Locale.ROOT);
              counts.put(wire, n);
              if (kept.containsKey(reason)) {
                examples.put(wire, kept.get(reason));
              }
              setup.gauges().set("grpo.rm.pairs.rejected", n, "reason", wire);
            });
    setup
        .ledger()
        .recordData(
            setup.runId(),
            new RewardModelLedger.DataRow(
                data.train().size(), data.heldOut().size(), counts, examples));
    log.info(
        "reward-model run {}: {} train and {} held-out pairs, left out {}",
        setup.runId(),
        data.train().size(),
        data.heldOut().size(),
        counts);
  }

  private void recordEpoch(RewardModel model, AdamW optimizer, EpochReport report, String dataSha) {
    RewardModelCheckpoint.Written written = null;
    if (report.epoch() > 0) {
      written =
          RewardModelCheckpoint.save(
              checkpointDir(setup.runDir(), report.epoch()),
              model,
              lineage(report, dataSha),
              setup.tokenizerDir(),
              optimizer);
    }
    boolean trained = report.epoch() > 0;
    setup
        .ledger()
        .recordEpoch(
            setup.runId(),
            new RewardModelLedger.EpochRow(
                report.epoch(),
                report.updates(),
                trained ? report.trainLoss() : null,
                trained ? report.trainAccuracy() : null,
                report.heldOut().accuracy(),
                report.heldOut().loss(),
                written == null ? null : written.directory().toString(),
                written == null ? null : written.sha256()));
    setup.gauges().set("grpo.rm.heldout.accuracy", report.heldOut().accuracy());
    setup.gauges().set("grpo.rm.heldout.loss", report.heldOut().loss());
    setup.gauges().set("grpo.rm.epoch", report.epoch());
    if (trained) {
      setup.gauges().set("grpo.rm.train.loss", report.trainLoss());
    }
    log.info(
        "reward-model run {} epoch {}: held-out accuracy {} ({} pairs)",
        setup.runId(),
        report.epoch(),
        report.heldOut().accuracy(),
        report.heldOut().pairs());
  }

  private JsonObject lineage(EpochReport report, String dataSha) {
    JsonObject lineage = new JsonObject();
    lineage.addProperty("kind", "reward_model");
    lineage.addProperty("runId", setup.runId().toString());
    lineage.addProperty("epoch", report.epoch());
    lineage.addProperty("updates", report.updates());
    lineage.addProperty("heldOutAccuracy", report.heldOut().accuracy());
    lineage.addProperty("heldOutPairs", report.heldOut().pairs());
    JsonObject parent = new JsonObject();
    if (rm.parentCheckpoint() != null) {
      Path dir = Path.of(rm.parentCheckpoint()).toAbsolutePath().normalize();
      parent.addProperty("path", dir.toString());
      Path manifest = dir.resolve(Checkpointer.MANIFEST);
      if (Files.isRegularFile(manifest)) {
        parent.addProperty("manifestSha256", Checkpointer.sha256(manifest));
      }
    } else if (setup.spec().model().path() != null) {
      parent.addProperty("path", setup.spec().model().path());
    } else {
      parent.addProperty("preset", setup.spec().model().preset());
      parent.addProperty("seed", setup.spec().seed());
    }
    lineage.add("parent", parent);
    JsonObject data = new JsonObject();
    data.addProperty("path", rm.path());
    data.addProperty("sha256", dataSha);
    lineage.add("data", data);
    lineage.add("spec", JsonParser.parseString(setup.mapper().writeValueAsString(setup.spec())));
    return lineage;
  }
}
