package dev.grpo.trainer.step;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.grpo.api.run.RunSpec;
import dev.grpo.policy.chat.ChatTemplate;
import dev.grpo.policy.chat.PromptTemplate;
import dev.grpo.policy.lora.LoraAdapters;
import dev.grpo.policy.lora.LoraConfig;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.model.ModelPreset;
import dev.grpo.policy.tokenizer.CharTokenizer;
import dev.grpo.policy.tokenizer.ModelTokenizer;
import dev.grpo.policy.tokenizer.Tokenizer;
import dev.grpo.trainer.grpo.AdvantageEstimator;
import dev.grpo.trainer.grpo.GrpoConfig;
import dev.grpo.trainer.grpo.KlEstimator;
import dev.grpo.trainer.grpo.LossAggregation;
import dev.grpo.trainer.grpo.PolicyLoss;
import dev.grpo.trainer.grpo.RewardScaling;
import dev.grpo.trainer.grpo.RolloutCorrection;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.optim.LearningRateSchedule;
import dev.grpo.trainer.ppo.PpoConfig;
import dev.grpo.trainer.ppo.ValueModel;
import dev.grpo.trainer.ppo.ValueModelKind;
import dev.grpo.trainer.train.Critic;
import dev.grpo.trainer.train.GrpoTrainer;
import dev.grpo.trainer.train.ReferenceSync;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Maps a run spec (the wire contract) onto the trainer's own configuration: the GRPO objective, the
 * optimizer and its schedule, the tokenizer and the initial policy. Each wire enum is mapped by an
 * exhaustive switch, so a value added to the contract fails the build here instead of at run time.
 */
final class RunConfigs {

  private RunConfigs() {}

  static GrpoTrainer.Options trainerOptions(RunSpec spec) {
    return new GrpoTrainer.Options(
        grpoConfig(spec),
        spec.algorithm().muIterations(),
        spec.rollout().temperature().floatValue(),
        referenceSync(spec));
  }

  static GrpoConfig grpoConfig(RunSpec spec) {
    RunSpec.Algorithm a = spec.algorithm();
    GrpoConfig.Builder b =
        GrpoConfig.builder()
            .lossAggregation(lossAggregation(a.lossAggregation()))
            .advantageEstimator(advantageEstimator(a.advantageEstimator()))
            .policyLoss(policyLoss(a.policyLoss()))
            .advantageEpsilon(a.advantageEpsilon())
            .epsilonLow(a.epsilonLow())
            .epsilonHigh(a.epsilonHigh())
            .beta(a.beta())
            .klEstimator(klEstimator(a.klEstimator()))
            .maskTruncatedCompletions(a.maskTruncated())
            .entropyCoef(a.entropyCoef())
            .maxCompletionLength(spec.rollout().maxTokens())
            .rolloutCorrection(rolloutCorrection(a.rolloutCorrection()));
    if (a.dualClip() != null) {
      b.dualClipC(a.dualClip());
    }
    if (a.rewardScaling() != null) {
      // Dr. GRPO is the grpo estimator without the std division
      b.rewardScaling(
          a.advantageEstimator() == dev.grpo.api.run.AdvantageEstimator.DR_GRPO
              ? RewardScaling.NONE
              : rewardScaling(a.rewardScaling()));
    }
    return b.build();
  }

  static AdvantageEstimator advantageEstimator(dev.grpo.api.run.AdvantageEstimator wire) {
    return switch (wire) {
      case GRPO, DR_GRPO -> AdvantageEstimator.GRPO;
      case RLOO -> AdvantageEstimator.RLOO;
      case REINFORCE_PLUS_PLUS_BASELINE -> AdvantageEstimator.REINFORCE_PLUS_PLUS_BASELINE;
    };
  }

  static PolicyLoss policyLoss(dev.grpo.api.run.PolicyLoss wire) {
    return switch (wire) {
      case CLIP -> PolicyLoss.CLIP;
      case GSPO -> PolicyLoss.GSPO;
      case CISPO -> PolicyLoss.CISPO;
      // PPO's surrogate is the clip one, on its critic's per-token advantages
      case PPO -> PolicyLoss.CLIP;
    };
  }

  /** PPO's settings, or null when the run is not PPO. */
  static PpoConfig ppoConfig(RunSpec spec) {
    RunSpec.Algorithm a = spec.algorithm();
    if (a.policyLoss() != dev.grpo.api.run.PolicyLoss.PPO) {
      return null;
    }
    RunSpec.ValueModel v = a.valueModel();
    RunSpec.Gae gae = a.gae();
    ValueModelKind kind =
        switch (v.kind()) {
          case HEAD -> ValueModelKind.HEAD;
          case SEPARATE -> ValueModelKind.SEPARATE;
        };
    return new PpoConfig(
        kind, gae.gamma(), gae.lambda(), gae.whiten(), v.valueClip(), v.coefficient());
  }

  /**
   * PPO's critic for {@code policy} (the run's initial policy), or null when the run is not PPO: a
   * head on the policy, or a separate decoder (the preset, else a copy of the policy) with a head,
   * seeded by the run's seed, and an AdamW like the policy's at the critic's learning rate.
   */
  static Critic critic(RunSpec spec, DecoderModel policy) {
    PpoConfig config = ppoConfig(spec);
    if (config == null) {
      return null;
    }
    RunSpec.ValueModel v = spec.algorithm().valueModel();
    long seed = spec.seed() + 1;
    ValueModel model;
    if (config.kind() == ValueModelKind.HEAD) {
      model = ValueModel.head(policy, seed);
    } else {
      DecoderModel backbone =
          v.preset() != null
              ? DecoderModel.randomInit(presetConfig(v.preset()), seed, Device.cpu())
              : copyOf(policy);
      model = ValueModel.separate(backbone, seed);
    }
    RunSpec.Optimizer o = spec.optimizer();
    double lr = v.learningRate() != null ? v.learningRate() : o.learningRate();
    AdamW optimizer =
        new AdamW(
            new AdamW.Config(
                lr, o.beta1(), o.beta2(), o.epsilon(), o.weightDecay(), o.maxGradNorm()),
            schedule(spec));
    return new Critic(model, optimizer, config);
  }

  /**
   * A decoder with its own copy of {@code policy}'s weights. fromWeights' same-device "copy" is a
   * view, so each array is duplicated into libtorch-owned memory first (as a checkpoint's reference
   * is loaded); the critic must never write into the policy's storage.
   */
  private static DecoderModel copyOf(DecoderModel policy) {
    try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
      Map<String, NDArray> copies = new LinkedHashMap<>();
      for (Map.Entry<String, NDArray> e : policy.parameters().entrySet()) {
        NDArray copy = e.getValue().stopGradient().duplicate();
        copy.attach(manager);
        copies.put(e.getKey(), copy);
      }
      return DecoderModel.fromWeights(policy.config(), copies, Device.cpu());
    }
  }

  /** The rollout/trainer mismatch correction; an absent cap or bound is NaN. */
  static RolloutCorrection rolloutCorrection(RunSpec.RolloutCorrection wire) {
    double cap = orNaN(wire.cap());
    return switch (wire.mode()) {
      case NONE -> RolloutCorrection.NONE;
      case TRUNCATED_IS -> RolloutCorrection.truncated(cap);
      case MASK_TOKEN -> RolloutCorrection.maskTokens(wire.lower(), wire.upper(), cap);
      case MASK_SEQUENCE -> RolloutCorrection.maskSequences(wire.lower(), wire.upper(), cap);
    };
  }

  private static double orNaN(Double value) {
    return value == null ? Double.NaN : value;
  }

  /** The reference policy's updates; {@link ReferenceSync#NONE} unless the spec asks for them. */
  static ReferenceSync referenceSync(RunSpec spec) {
    RunSpec.ReferenceSync wire = spec.algorithm().referenceSync();
    return switch (wire.mode()) {
      case NONE -> ReferenceSync.NONE;
      case RESET -> ReferenceSync.reset(wire.everyUpdates());
      case EMA -> ReferenceSync.ema(wire.everyUpdates(), wire.alpha());
    };
  }

  /** The run's optimizer; its schedule spans every update (steps × μ). */
  static AdamW optimizer(RunSpec spec) {
    RunSpec.Optimizer o = spec.optimizer();
    return new AdamW(
        new AdamW.Config(
            o.learningRate(), o.beta1(), o.beta2(), o.epsilon(), o.weightDecay(), o.maxGradNorm()),
        schedule(spec));
  }

  static LearningRateSchedule schedule(RunSpec spec) {
    RunSpec.Optimizer o = spec.optimizer();
    long total = spec.schedule().steps() * (long) spec.algorithm().muIterations();
    return switch (o.schedule()) {
      case CONSTANT ->
          o.warmupSteps() == 0
              ? LearningRateSchedule.constant()
              : LearningRateSchedule.constantWithWarmup(o.warmupSteps());
      case COSINE -> LearningRateSchedule.cosineWithWarmup(o.warmupSteps(), total);
    };
  }

  static LossAggregation lossAggregation(dev.grpo.api.run.LossAggregation wire) {
    return switch (wire) {
      case GRPO -> LossAggregation.GRPO;
      case BNPO -> LossAggregation.BNPO;
      case DR_GRPO -> LossAggregation.DR_GRPO;
      case DAPO -> LossAggregation.DAPO;
    };
  }

  static RewardScaling rewardScaling(dev.grpo.api.run.RewardScaling wire) {
    return switch (wire) {
      case GROUP -> RewardScaling.GROUP;
      case BATCH -> RewardScaling.BATCH;
      case NONE -> RewardScaling.NONE;
    };
  }

  static KlEstimator klEstimator(dev.grpo.api.run.KlEstimator wire) {
    return switch (wire) {
      case K1 -> KlEstimator.K1;
      case K2 -> KlEstimator.K2;
      case K3 -> KlEstimator.K3;
    };
  }

  /**
   * The model's tokenizer: the folder's {@code tokenizer.json} with its tokenizer_config (special
   * tokens, stop tokens, chat template), else the character one of the presets.
   */
  static Tokenizer tokenizer(RunSpec.Model model) {
    if (model.path() != null) {
      return ModelTokenizer.load(Path.of(model.path()));
    }
    return new CharTokenizer();
  }

  /** How an item's prompt is rendered and tokenized for the policy. */
  static PromptEncoder prompts(RunSpec spec, Tokenizer tokenizer) {
    RunSpec.Data data = spec.data();
    PromptTemplate chat =
        switch (data.chatTemplate()) {
          case "model" ->
              PromptTemplate.chat(
                  ChatTemplate.of("data.chatTemplate", (ModelTokenizer) tokenizer),
                  data.systemPrompt(),
                  data.thinkPrefilled());
          case "r1" -> PromptTemplate.r1(data.thinkPrefilled());
          default -> PromptTemplate.plain();
        };
    return new PromptEncoder(
        data.promptTemplate(), chat, data.chatTemplate().equals("none"), tokenizer);
  }

  /** The policy a fresh run starts from: the model at {@code path}, else a preset, seeded. */
  static DecoderModel initialPolicy(RunSpec spec) {
    RunSpec.Model model = spec.model();
    DecoderModel policy =
        model.path() != null
            ? DecoderModel.load(Path.of(model.path()), Device.cpu())
            : DecoderModel.randomInit(presetConfig(model.preset()), spec.seed(), Device.cpu());
    if (model.lora() != null) {
      try {
        policy.attachAdapters(
            LoraAdapters.init(
                policy.config(), loraConfig(model.lora()), spec.seed(), Device.cpu()));
      } catch (RuntimeException e) {
        policy.close();
        throw e;
      }
    }
    return policy;
  }

  static LoraConfig loraConfig(RunSpec.Lora lora) {
    return new LoraConfig(lora.rank(), lora.alpha(), lora.dropout(), lora.targetModules());
  }

  /**
   * The preset's sizes, defined once in {@link ModelPreset}; the spec's pattern admits only these.
   */
  static ModelConfig presetConfig(String preset) {
    return ModelPreset.named(preset)
        .orElseThrow(() -> new IllegalArgumentException("unknown model preset " + preset))
        .config();
  }
}
