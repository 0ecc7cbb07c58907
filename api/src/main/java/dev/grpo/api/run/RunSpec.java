package dev.grpo.api.run;

import dev.grpo.api.problem.FieldProblem;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Everything a GRPO run needs, with the defaults a user of TRL or verl would expect. Absent fields
 * (and JSON nulls) take their defaults; the resolved spec, defaults included, is what the run
 * stores and what {@code GET /runs/{id}} returns.
 *
 * @param kind what the run trains: {@code grpo} (the default) a policy, {@code reward_model} a
 *     reward model from preference pairs, configured by {@code rewardModel} (the GRPO sections are
 *     then unused, but for {@code model}, {@code optimizer} and {@code seed})
 * @param rewardModel the reward-model run's data and schedule; set exactly when kind is {@code
 *     reward_model}
 */
public record RunSpec(
    @Size(max = 200) String name,
    @NotNull @Valid Model model,
    @NotNull @Valid Data data,
    @NotNull @Valid Algorithm algorithm,
    @NotNull @Valid Optimizer optimizer,
    @NotNull @Valid Rollout rollout,
    @NotNull @Size(min = 1, max = 32) List<@NotNull @Valid Reward> rewards,
    @NotNull @Valid Schedule schedule,
    @NotNull @PositiveOrZero Long seed,
    @NotNull @Valid ColdStart coldStart,
    @NotNull @Valid Evaluation evaluation,
    @NotNull RunKind kind,
    @Valid RewardModelTraining rewardModel,
    @Positive Long initialCheckpoint,
    java.util.UUID trainDataset,
    @NotNull @Valid Sft sft,
    @NotNull @Valid RejectionSampling rejectionSampling) {

  public RunSpec {
    kind = kind == null ? RunKind.GRPO : kind;
    model = model == null ? new Model(null, null, null) : model;
    data =
        data == null
            ? new Data(null, null, null, null, null, null, null, null, null, null, null, null, null)
            : data;
    algorithm =
        algorithm == null
            ? new Algorithm(
                null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null)
            : algorithm;
    optimizer =
        optimizer == null
            ? new Optimizer(null, null, null, null, null, null, null, null)
            : optimizer;
    rollout = rollout == null ? new Rollout(null, null, null, null, null, null, null) : rollout;
    rewards =
        rewards == null
            ? List.of(new Reward("math_accuracy", 1.0, null), new Reward("format", 0.5, null))
            : rewards;
    schedule = schedule == null ? new Schedule(null, null, null, null) : schedule;
    seed = seed == null ? 42L : seed;
    coldStart = coldStart == null ? new ColdStart(null, null, null, null, null) : coldStart;
    evaluation = evaluation == null ? new Evaluation(null, null, null) : evaluation;
    // the pipeline stage fields: the kind of job, the checkpoint (ledger id) the policy starts
    // from, and the ledger dataset an sft run trains on
    kind = kind == null ? RunKind.GRPO : kind;
    sft = sft == null ? new Sft(null, null, null) : sft;
    rejectionSampling =
        rejectionSampling == null
            ? new RejectionSampling(null, null, null, null, null, null, null)
            : rejectionSampling;
  }

  /**
   * How each held-out evaluation samples, besides its greedy completion per item: DeepSeek-R1
   * reports pass@1 averaged over k samples at temperature 0.6 and top-p 0.95, pass@k by the
   * unbiased estimator, and cons@k (majority vote over the k answers).
   *
   * @param samples k samples per eval item; 0 evaluates greedily only
   */
  public record Evaluation(
      @NotNull @Min(0) @Max(64) Integer samples,
      @NotNull @DecimalMin(value = "0.0", inclusive = false) @DecimalMax("2.0") Double temperature,
      @NotNull @DecimalMin(value = "0.0", inclusive = false) @DecimalMax("1.0") Double topP) {
    public Evaluation {
      samples = samples == null ? 0 : samples;
      temperature = temperature == null ? 0.6 : temperature;
      topP = topP == null ? 0.95 : topP;
    }
  }

  /**
   * The policy to train: a built-in preset or a Hugging Face style model directory.
   *
   * @param lora when set, LoRA adapters are trained on the frozen model instead of every weight
   */
  public record Model(
      @Pattern(regexp = "micro|tiny|small", message = "must be one of: micro, tiny, small")
          String preset,
      @Size(max = 4096) String path,
      @Valid Lora lora) {
    public Model {
      preset = preset == null && path == null ? "tiny" : preset;
    }

    /** A model without adapters. */
    public Model(String preset, String path) {
      this(preset, path, null);
    }
  }

  /**
   * Low-rank adapters (PEFT's {@code LoraConfig}): each targeted linear layer {@code W} is used as
   * {@code W + (alpha / rank)·B·A}, and only {@code A} and {@code B} are trained, checkpointed and
   * synced to the rollout backend (in PEFT's layout).
   *
   * @param rank {@code r}; at most the model's hidden size
   * @param alpha {@code lora_alpha}
   * @param dropout {@code lora_dropout}, on the adapters' input during training updates
   * @param targetModules the layers that get adapters, by module name: {@code q_proj}, {@code
   *     k_proj}, {@code v_proj}, {@code o_proj}, {@code gate_proj}, {@code up_proj}, {@code
   *     down_proj}
   */
  public record Lora(
      @NotNull @Min(1) @Max(4096) Integer rank,
      @NotNull @DecimalMin(value = "0.0", inclusive = false) @DecimalMax("100000") Double alpha,
      @NotNull @DecimalMin("0.0") @DecimalMax(value = "1.0", inclusive = false) Double dropout,
      @NotNull @Size(min = 1, max = 7) List<@NotBlank @Size(max = 64) String> targetModules) {
    public Lora {
      rank = rank == null ? 8 : rank;
      alpha = alpha == null ? 2.0 * rank : alpha;
      dropout = dropout == null ? 0.05 : dropout;
      targetModules =
          targetModules == null ? List.of("q_proj", "k_proj", "v_proj", "o_proj") : targetModules;
    }
  }

  /**
   * The prompts, with the answers or tests their rewards are checked against, and how a prompt
   * becomes the policy's input.
   *
   * @param format the layout of the file at {@code path} when {@code source} is {@code file}
   * @param fields which column holds what, for the generic {@code jsonl} and {@code parquet}
   *     formats
   * @param limit read at most this many rows of the file
   * @param chatTemplate {@code none} (the prompt template only), {@code model} (the model's own
   *     {@code chat_template} from its tokenizer_config.json) or {@code r1} (DeepSeek-R1's
   *     template)
   * @param systemPrompt the system turn of a chat template; absent means the template's default
   * @param thinkPrefilled the prompt ends with {@code <think>}, which the scorer sees again in
   *     front of the completion
   */
  public record Data(
      @NotNull DataSource source,
      @Pattern(regexp = "arithmetic", message = "must be one of: arithmetic") String generator,
      @Min(1) @Max(1_000_000) Integer generatorSize,
      @NotNull @DecimalMin("0.0") @DecimalMax("0.5") Double evalFraction,
      @Size(max = 4096) String path,
      @Size(max = 100_000) List<@NotNull @Valid Item> items,
      @NotBlank
          @Pattern(regexp = "(?s).*\\{prompt}.*", message = "must contain the placeholder {prompt}")
          String promptTemplate,
      @Pattern(
              regexp = "gsm8k|math|humaneval|mbpp|jsonl|parquet",
              message = "must be one of: gsm8k, math, humaneval, mbpp, jsonl, parquet")
          String format,
      @Valid Fields fields,
      @Min(1) @Max(1_000_000) Integer limit,
      @NotNull @Pattern(regexp = "none|model|r1", message = "must be one of: none, model, r1")
          String chatTemplate,
      @Size(max = 20_000) String systemPrompt,
      @NotNull Boolean thinkPrefilled) {
    public Data {
      source =
          source == null
              ? (items != null
                  ? DataSource.INLINE
                  : format != null ? DataSource.FILE : DataSource.GENERATOR)
              : source;
      generator = generator == null && source == DataSource.GENERATOR ? "arithmetic" : generator;
      generatorSize =
          generatorSize == null && source == DataSource.GENERATOR
              ? Integer.valueOf(512)
              : generatorSize;
      evalFraction = evalFraction == null ? 0.1 : evalFraction;
      promptTemplate = promptTemplate == null ? "{prompt}" : promptTemplate;
      limit = limit == null && source == DataSource.FILE ? Integer.valueOf(100_000) : limit;
      chatTemplate = chatTemplate == null ? "none" : chatTemplate;
      thinkPrefilled = thinkPrefilled != null && thinkPrefilled;
    }
  }

  /**
   * The columns of a generic {@code jsonl} or {@code parquet} file; absent ones take the names
   * {@code id}, {@code prompt}, {@code answer}, {@code solution}, {@code tests}. A dot reaches into
   * a struct column ({@code reward_model.ground_truth}).
   */
  public record Fields(
      @Size(max = 200) String id,
      @Size(max = 200) String prompt,
      @Size(max = 200) String answer,
      @Size(max = 200) String solution,
      @Size(max = 200) String tests) {}

  /** One inline prompt. */
  public record Item(
      @NotBlank @Size(max = 200) String id,
      @NotBlank @Size(max = 200_000) String prompt,
      @Size(max = 10_000) String answer,
      @Pattern(regexp = "[a-z]{2,3}", message = "must be an ISO 639 language code")
          String language) {}

  /**
   * The GRPO objective and its variants.
   *
   * @param rewardScaling the std that divides the centred rewards of the {@code grpo} estimator;
   *     {@code none} for {@code dr_grpo}; absent (null) for the estimators that scale themselves
   * @param advantageEstimator how rewards become advantages; absent means {@code dr_grpo} when
   *     {@code rewardScaling} is {@code none} (how Dr. GRPO was asked for before this field) and
   *     {@code grpo} otherwise
   * @param policyLoss the per-token objective; {@code gspo} defaults ε to 3e-4/4e-4 and the
   *     aggregation to {@code grpo} (sequence mean of token means), the only one it is defined with
   * @param referenceSync whether the KL reference follows the policy during the run
   * @param rolloutCorrection what the loss does about the rollout backend's log-probs differing
   *     from the trainer's recomputation of the sampling policy
   */
  public record Algorithm(
      @NotNull @Min(2) @Max(1024) Integer groupSize,
      @NotNull @DecimalMin("0.0") @DecimalMax("10.0") Double beta,
      @NotNull @DecimalMin(value = "0.0", inclusive = false) @DecimalMax("1.0") Double epsilonLow,
      @NotNull @DecimalMin(value = "0.0", inclusive = false) @DecimalMax("10.0") Double epsilonHigh,
      @DecimalMin(value = "1.0", inclusive = false) @DecimalMax("100.0") Double dualClip,
      @NotNull LossAggregation lossAggregation,
      RewardScaling rewardScaling,
      @NotNull @Min(1) @Max(16) Integer muIterations,
      @NotNull KlEstimator klEstimator,
      @NotNull Boolean maskTruncated,
      @NotNull @Valid DynamicSampling dynamicSampling,
      @NotNull @DecimalMin("0.0") @DecimalMax("1.0") Double entropyCoef,
      @NotNull @DecimalMin(value = "0.0", inclusive = false) @DecimalMax("1.0")
          Double advantageEpsilon,
      @NotNull AdvantageEstimator advantageEstimator,
      @NotNull PolicyLoss policyLoss,
      @NotNull @Valid ReferenceSync referenceSync,
      @NotNull @Valid RolloutCorrection rolloutCorrection,
      @Valid ValueModel valueModel,
      @Valid Gae gae) {
    public Algorithm {
      groupSize = groupSize == null ? 8 : groupSize;
      beta = beta == null ? 0.04 : beta;
      policyLoss = policyLoss == null ? PolicyLoss.CLIP : policyLoss;
      boolean gspo = policyLoss == PolicyLoss.GSPO;
      boolean lowGiven = epsilonLow != null;
      // GSPO's ratios are geometric means over a sequence, so its paper clips them far tighter
      epsilonLow = lowGiven ? epsilonLow : gspo ? 3e-4 : 0.2;
      epsilonHigh = epsilonHigh != null ? epsilonHigh : gspo && !lowGiven ? 4e-4 : epsilonLow;
      lossAggregation =
          lossAggregation != null
              ? lossAggregation
              : gspo ? LossAggregation.GRPO : LossAggregation.DAPO;
      advantageEstimator =
          advantageEstimator != null
              ? advantageEstimator
              : rewardScaling == RewardScaling.NONE
                  ? AdvantageEstimator.DR_GRPO
                  : AdvantageEstimator.GRPO;
      if (rewardScaling == null) {
        rewardScaling =
            switch (advantageEstimator) {
              case GRPO -> RewardScaling.GROUP;
              case DR_GRPO -> RewardScaling.NONE;
              case RLOO, REINFORCE_PLUS_PLUS_BASELINE -> null;
            };
      }
      muIterations = muIterations == null ? 1 : muIterations;
      klEstimator = klEstimator == null ? KlEstimator.K3 : klEstimator;
      maskTruncated = maskTruncated == null ? Boolean.FALSE : maskTruncated;
      dynamicSampling = dynamicSampling == null ? new DynamicSampling(null, null) : dynamicSampling;
      entropyCoef = entropyCoef == null ? 0.0 : entropyCoef;
      advantageEpsilon = advantageEpsilon == null ? 1e-4 : advantageEpsilon;
      referenceSync = referenceSync == null ? new ReferenceSync(null, null, null) : referenceSync;
      rolloutCorrection =
          rolloutCorrection == null
              ? new RolloutCorrection(null, null, null, null)
              : rolloutCorrection;
      if (policyLoss == PolicyLoss.PPO) {
        // PPO's own sections get their defaults; without ppo they stay as given (a given one is
        // refused, see crossFieldProblems)
        valueModel = valueModel == null ? new ValueModel(null, null, null, null, null) : valueModel;
        gae = gae == null ? new Gae(null, null, null) : gae;
      }
    }
  }

  /**
   * PPO's critic ({@code policyLoss: ppo} only).
   *
   * @param kind {@code separate} (default: a copy of the initial policy, or {@code preset}, with a
   *     scalar head, trained end to end — verl's critic) or {@code head} (a scalar head on the
   *     policy's own hidden states, only the head trained)
   * @param preset the separate critic's model preset; absent, the critic starts as a copy of the
   *     initial policy (verl's default {@code critic.model.path} = the actor's). Only with a preset
   *     policy, whose character vocabulary the preset shares
   * @param learningRate the critic's AdamW lr (verl {@code critic.optim.lr}); absent, the policy's.
   *     Its other AdamW settings are {@code optimizer}'s
   * @param valueClip ε_v of the clipped value loss (verl {@code critic.cliprange_value}, TRL {@code
   *     cliprange_value}); default 0.2
   * @param coefficient the value loss's weight (TRL {@code vf_coef}); default 0.1
   */
  public record ValueModel(
      ValueModelKind kind,
      @Pattern(regexp = "tiny|small", message = "must be one of: tiny, small") String preset,
      @DecimalMin(value = "0.0", inclusive = false) @DecimalMax("1.0") Double learningRate,
      @DecimalMin(value = "0.0", inclusive = false) @DecimalMax("100.0") Double valueClip,
      @DecimalMin(value = "0.0", inclusive = false) @DecimalMax("100.0") Double coefficient) {
    public ValueModel {
      kind = kind == null ? ValueModelKind.SEPARATE : kind;
      valueClip = valueClip == null ? 0.2 : valueClip;
      coefficient = coefficient == null ? 0.1 : coefficient;
    }
  }

  /**
   * PPO's generalised advantage estimation ({@code policyLoss: ppo} only).
   *
   * @param gamma discount γ (verl {@code algorithm.gamma}, TRL {@code gamma}); default 1
   * @param lambda λ (verl {@code algorithm.lam}, TRL {@code lam}); default TRL's 0.95
   * @param whiten whether the advantages are whitened over the batch's tokens (verl always, TRL
   *     {@code whiten_rewards} is a different knob); default true
   */
  public record Gae(
      @DecimalMin("0.0") @DecimalMax("1.0") Double gamma,
      @DecimalMin("0.0") @DecimalMax("1.0") Double lambda,
      Boolean whiten) {
    public Gae {
      gamma = gamma == null ? 1.0 : gamma;
      lambda = lambda == null ? 0.95 : lambda;
      whiten = whiten == null ? Boolean.TRUE : whiten;
    }
  }

  /**
   * Correction for the mismatch between the rollout backend's log-probs (π_rollout) and the
   * trainer's recomputation of the sampling policy (π_old), per token r = π_old/π_rollout.
   *
   * @param mode {@code none}, {@code truncated_is} (policy loss × min(r, cap)), {@code mask_token}
   *     (tokens with r outside [lower, upper] leave the loss and its normaliser) or {@code
   *     mask_sequence} (sequences whose geometric-mean r is outside [lower, upper] do)
   * @param cap the truncation of the weight; {@code truncated_is} defaults it to 2 (verl's {@code
   *     rollout_is_threshold}); with a mask mode it also weights the kept tokens (OpenRLHF's {@code
   *     seq-mask-tis}), absent otherwise
   * @param lower the lowest ratio a mask keeps, default 0.5 (OpenRLHF)
   * @param upper the highest ratio a mask keeps, default 5 (OpenRLHF)
   */
  public record RolloutCorrection(
      @NotNull RolloutCorrectionMode mode,
      @DecimalMin(value = "1.0", inclusive = false) @DecimalMax("1000000.0") Double cap,
      @DecimalMin("0.0") @DecimalMax("1.0") Double lower,
      @DecimalMin("1.0") @DecimalMax("1000000.0") Double upper) {
    public RolloutCorrection {
      mode = mode == null ? RolloutCorrectionMode.NONE : mode;
      switch (mode) {
        case NONE -> {}
        case TRUNCATED_IS -> cap = cap == null ? 2.0 : cap;
        case MASK_TOKEN, MASK_SEQUENCE -> {
          lower = lower == null ? 0.5 : lower;
          upper = upper == null ? 5.0 : upper;
        }
      }
    }
  }

  /**
   * Reference-policy updates during a run (TRL's {@code sync_ref_model}, {@code
   * ref_model_sync_steps}, {@code ref_model_mixup_alpha}). They count optimizer updates, TRL's
   * {@code global_step}: a run step makes {@code muIterations} of them.
   *
   * @param mode none, reset (copy the policy) or ema (mix it in)
   * @param everyUpdates the period in optimizer updates; defaults to TRL's 512 when mode is not
   *     none
   * @param alpha the weight of the policy in the mix, in (0, 1]; ema defaults to TRL's 0.6, reset
   *     is 1
   */
  public record ReferenceSync(
      @NotNull ReferenceSyncMode mode,
      @Min(1) @Max(1_000_000_000) Integer everyUpdates,
      @DecimalMin(value = "0.0", inclusive = false) @DecimalMax("1.0") Double alpha) {
    public ReferenceSync {
      mode = mode == null ? ReferenceSyncMode.NONE : mode;
      if (mode != ReferenceSyncMode.NONE) {
        everyUpdates = everyUpdates == null ? Integer.valueOf(512) : everyUpdates;
        alpha = alpha == null ? (mode == ReferenceSyncMode.EMA ? 0.6 : 1.0) : alpha;
      }
    }
  }

  /** DAPO's dynamic sampling: drop groups whose rewards all agree, refill up to a cap. */
  public record DynamicSampling(
      @NotNull Boolean enabled, @NotNull @Min(0) @Max(32) Integer maxRefillRounds) {
    public DynamicSampling {
      enabled = enabled == null ? Boolean.FALSE : enabled;
      maxRefillRounds = maxRefillRounds == null ? 3 : maxRefillRounds;
    }
  }

  /** AdamW with warm-up and a schedule. */
  public record Optimizer(
      @NotNull @DecimalMin(value = "0.0", inclusive = false) @DecimalMax("1.0") Double learningRate,
      @NotNull @Min(0) @Max(1_000_000) Integer warmupSteps,
      @NotNull LearningRateSchedule schedule,
      @NotNull @DecimalMin("0.0") @DecimalMax("1.0") Double weightDecay,
      @NotNull @DecimalMin(value = "0.0", inclusive = false) Double maxGradNorm,
      @NotNull @DecimalMin("0.0") @DecimalMax(value = "1.0", inclusive = false) Double beta1,
      @NotNull @DecimalMin("0.0") @DecimalMax(value = "1.0", inclusive = false) Double beta2,
      @NotNull @DecimalMin(value = "0.0", inclusive = false) @DecimalMax("1.0") Double epsilon) {
    public Optimizer {
      learningRate = learningRate == null ? 1e-6 : learningRate;
      warmupSteps = warmupSteps == null ? 0 : warmupSteps;
      schedule = schedule == null ? LearningRateSchedule.CONSTANT : schedule;
      weightDecay = weightDecay == null ? 0.0 : weightDecay;
      maxGradNorm = maxGradNorm == null ? 1.0 : maxGradNorm;
      beta1 = beta1 == null ? 0.9 : beta1;
      beta2 = beta2 == null ? 0.999 : beta2;
      epsilon = epsilon == null ? 1e-8 : epsilon;
    }
  }

  /**
   * How completions are sampled.
   *
   * @param maxStaleness how many policy versions the samples a step trains on may lag behind the
   *     policy it updates: 0 samples each step with the current policy (the synchronous loop); s
   *     &gt; 0 samples the next s steps while the current one trains (1 = one-step-off), and the
   *     update weighs each token by the behaviour policy's log-probs ({@code
   *     algorithm.rolloutCorrection}); groups staler than s are dropped, counted and replaced
   */
  public record Rollout(
      @NotBlank @Pattern(regexp = "[a-z][a-z0-9_-]{0,63}", message = "must be a backend name")
          String backend,
      @NotNull @DecimalMin(value = "0.0", inclusive = false) @DecimalMax("10.0") Double temperature,
      @NotNull @DecimalMin(value = "0.0", inclusive = false) @DecimalMax("1.0") Double topP,
      @NotNull @Min(0) Integer topK,
      @NotNull @Min(1) @Max(131_072) Integer maxTokens,
      @NotNull @Size(max = 16) List<@NotBlank @Size(max = 64) String> stop,
      @NotNull @Min(0) @Max(MAX_STALENESS) Integer maxStaleness) {

    /** The largest {@code maxStaleness}: more samples ahead only add off-policy error. */
    public static final int MAX_STALENESS = 8;

    public Rollout {
      backend = backend == null ? "embedded" : backend;
      temperature = temperature == null ? 1.0 : temperature;
      topP = topP == null ? 1.0 : topP;
      topK = topK == null ? 0 : topK;
      maxTokens = maxTokens == null ? 256 : maxTokens;
      stop = stop == null ? List.of() : stop;
      maxStaleness = maxStaleness == null ? 0 : maxStaleness;
    }
  }

  /**
   * One reward rule and its weight in the total.
   *
   * @param onFailure what a step does with a completion this rule could not score (status other
   *     than OK: a rule service down, a timeout, not applicable): {@code skip} the completion (it
   *     gets no advantage), score it {@code zero}, or {@code fail} the step. Every application is
   *     counted ({@code grpo.reward.failures} and the step's metrics); nothing is silent.
   */
  public record Reward(
      @NotBlank @Pattern(regexp = "[a-z][a-z0-9_.-]{0,63}", message = "must be a rule name")
          String rule,
      @NotNull @DecimalMin("-100.0") @DecimalMax("100.0") Double weight,
      @NotNull Map<String, Object> params,
      @NotNull RewardFailurePolicy onFailure) {
    public Reward {
      weight = weight == null ? 1.0 : weight;
      params = params == null ? Map.of() : params;
      onFailure = onFailure == null ? RewardFailurePolicy.SKIP : onFailure;
    }

    public Reward(String rule, Double weight, Map<String, Object> params) {
      this(rule, weight, params, null);
    }
  }

  /**
   * R1's cold start: supervised fine-tuning on formatted examples before GRPO. The examples are the
   * worked solutions of the generator or of the JSONL lines ({@code solution}), so it needs {@code
   * data.source} generator or jsonl.
   *
   * @param examples how many training problems (from the start of the train split) to learn from
   */
  public record ColdStart(
      @NotNull Boolean enabled,
      @NotNull @Min(1) @Max(1_000_000) Integer examples,
      @NotNull @Min(1) @Max(1000) Integer epochs,
      @NotNull @Min(1) @Max(4096) Integer batchSize,
      @NotNull @DecimalMin(value = "0.0", inclusive = false) @DecimalMax("1.0")
          Double learningRate) {
    public ColdStart {
      enabled = enabled == null ? Boolean.FALSE : enabled;
      examples = examples == null ? 300 : examples;
      epochs = epochs == null ? 3 : epochs;
      batchSize = batchSize == null ? 30 : batchSize;
      learningRate = learningRate == null ? 5e-3 : learningRate;
    }
  }

  /** How long the run is and how often it checkpoints and evaluates. */
  public record Schedule(
      @NotNull @Min(1) @Max(1_000_000) Integer steps,
      @NotNull @Min(1) @Max(65_536) Integer promptsPerStep,
      @NotNull @Min(0) Integer checkpointEvery,
      @NotNull @Min(0) Integer evalEvery) {
    public Schedule {
      steps = steps == null ? 100 : steps;
      promptsPerStep = promptsPerStep == null ? 8 : promptsPerStep;
      // the default never exceeds a short run's length; an explicit value is checked as given
      checkpointEvery =
          checkpointEvery == null ? Math.max(0, Math.min(10, steps)) : checkpointEvery;
      evalEvery = evalEvery == null ? 0 : evalEvery;
    }
  }

  /**
   * Rules that tie several fields together; each problem names the field to fix, as a path from the
   * spec's root.
   */
  public List<FieldProblem> crossFieldProblems() {
    List<FieldProblem> problems = new ArrayList<>();
    if (model.preset() != null && model.path() != null) {
      problems.add(
          new FieldProblem("model.path", "give either model.preset or model.path, not both"));
    }
    if (model.lora() != null && algorithm.policyLoss() == PolicyLoss.PPO) {
      problems.add(
          new FieldProblem(
              "model.lora",
              "is not supported with algorithm.policyLoss ppo yet: the critic would copy the"
                  + " adapted policy"));
    }
    if (model.lora() != null && kind != RunKind.GRPO) {
      problems.add(
          new FieldProblem(
              "model.lora",
              "applies to grpo runs only; this run's kind is " + kind.name().toLowerCase()));
    }
    if (model.lora() != null && algorithm.referenceSync().mode() != ReferenceSyncMode.NONE) {
      problems.add(
          new FieldProblem(
              "algorithm.referenceSync.mode",
              "must be none with model.lora: the KL reference is the frozen base model"));
    }
    switch (data.source()) {
      case INLINE -> {
        if (data.items() == null || data.items().isEmpty()) {
          problems.add(
              new FieldProblem("data.items", "must hold at least one item when source is inline"));
        }
      }
      case JSONL -> {
        if (data.path() == null || data.path().isBlank()) {
          problems.add(new FieldProblem("data.path", "must be set when source is jsonl"));
        }
      }
      case FILE -> {
        if (data.path() == null || data.path().isBlank()) {
          problems.add(new FieldProblem("data.path", "must be set when source is file"));
        }
        if (data.format() == null) {
          problems.add(new FieldProblem("data.format", "must be set when source is file"));
        }
      }
      case GENERATOR -> {
        if (data.generator() == null) {
          problems.add(new FieldProblem("data.generator", "must be set when source is generator"));
        }
      }
    }
    if (data.fields() != null
        && data.format() != null
        && !data.format().equals("jsonl")
        && !data.format().equals("parquet")) {
      problems.add(
          new FieldProblem(
              "data.fields",
              "applies to the jsonl and parquet formats only, not " + data.format()));
    }
    if (data.chatTemplate().equals("model") && model.path() == null) {
      problems.add(
          new FieldProblem(
              "data.chatTemplate",
              "'model' takes the chat template of the model at model.path; a preset has none"));
    }
    if (algorithm.valueModel() != null
        && algorithm.valueModel().preset() != null
        && model.path() != null) {
      problems.add(
          new FieldProblem(
              "algorithm.valueModel.preset",
              "a preset critic has the presets' character vocabulary, not the tokenizer of the"
                  + " model at model.path; leave preset out to copy the policy"));
    }
    if (algorithm.epsilonHigh() < algorithm.epsilonLow()) {
      problems.add(
          new FieldProblem(
              "algorithm.epsilonHigh",
              "must be at least algorithm.epsilonLow (" + algorithm.epsilonLow() + ")"));
    }
    problems.addAll(algorithmProblems(algorithm));
    if (rollout.maxStaleness() > 0
        && algorithm.rolloutCorrection().mode() == RolloutCorrectionMode.NONE) {
      problems.add(
          new FieldProblem(
              "algorithm.rolloutCorrection.mode",
              "must be truncated_is, mask_token or mask_sequence when rollout.maxStaleness is "
                  + rollout.maxStaleness()
                  + ": stale samples are weighed by the behaviour policy's log-probs"));
    }
    if (kind == RunKind.REWARD_MODEL && rewardModel == null) {
      problems.add(new FieldProblem("rewardModel", "must be set when kind is reward_model"));
    }
    if (kind != RunKind.REWARD_MODEL && rewardModel != null) {
      problems.add(new FieldProblem("rewardModel", "applies only when kind is reward_model"));
    }
    if (schedule.checkpointEvery() > schedule.steps()) {
      problems.add(
          new FieldProblem(
              "schedule.checkpointEvery",
              "must not exceed schedule.steps (" + schedule.steps() + ")"));
    }
    if (coldStart.enabled() && data.source() == DataSource.INLINE) {
      problems.add(
          new FieldProblem(
              "coldStart.enabled",
              "a cold start learns from worked solutions (the generator's, or the solution field"
                  + " of JSONL lines); inline items have none"));
    }
    for (int i = 0; i < rewards.size(); i++) {
      for (int j = 0; j < i; j++) {
        if (rewards.get(i).rule().equals(rewards.get(j).rule())) {
          problems.add(
              new FieldProblem(
                  "rewards[" + i + "].rule",
                  "rule '" + rewards.get(i).rule() + "' is listed twice"));
        }
      }
    }
    problems.addAll(StageFields.problems(this));
    return problems;
  }

  /** The combinations of algorithm knobs that no anchor trainer defines. */
  private static List<FieldProblem> algorithmProblems(Algorithm a) {
    List<FieldProblem> problems = new ArrayList<>();
    switch (a.advantageEstimator()) {
      case GRPO -> {
        if (a.rewardScaling() == null) {
          problems.add(
              new FieldProblem(
                  "algorithm.rewardScaling",
                  "must be group, batch or none for the grpo estimator"));
        }
      }
      case DR_GRPO -> {
        if (a.rewardScaling() != RewardScaling.NONE) {
          problems.add(
              new FieldProblem(
                  "algorithm.rewardScaling",
                  "dr_grpo divides by no std; leave rewardScaling out or set it to none"));
        }
      }
      case RLOO, REINFORCE_PLUS_PLUS_BASELINE -> {
        if (a.rewardScaling() != null) {
          problems.add(
              new FieldProblem(
                  "algorithm.rewardScaling",
                  "applies to the grpo estimator only; "
                      + wireName(a.advantageEstimator())
                      + " fixes its own scaling"));
        }
      }
    }
    if (a.policyLoss() == PolicyLoss.GSPO && a.lossAggregation() != LossAggregation.GRPO) {
      problems.add(
          new FieldProblem(
              "algorithm.lossAggregation",
              "gspo is defined with the sequence mean of token means (grpo); leave"
                  + " lossAggregation out or set it to grpo"));
    }
    if (a.policyLoss() != PolicyLoss.CLIP && a.dualClip() != null) {
      problems.add(
          new FieldProblem(
              "algorithm.dualClip",
              "the dual clip is defined for the clip policy loss only, not "
                  + wireName(a.policyLoss())));
    }
    problems.addAll(ppoProblems(a));
    ReferenceSync sync = a.referenceSync();
    switch (sync.mode()) {
      case NONE -> {
        if (sync.everyUpdates() != null) {
          problems.add(
              new FieldProblem(
                  "algorithm.referenceSync.everyUpdates",
                  "applies only when mode is reset or ema"));
        }
        if (sync.alpha() != null) {
          problems.add(
              new FieldProblem(
                  "algorithm.referenceSync.alpha", "applies only when mode is reset or ema"));
        }
      }
      case RESET -> {
        if (sync.alpha() != null && sync.alpha() != 1.0) {
          problems.add(
              new FieldProblem(
                  "algorithm.referenceSync.alpha",
                  "a reset copies the policy (alpha 1); use mode ema to mix"));
        }
      }
      case EMA -> {}
    }
    problems.addAll(rolloutCorrectionProblems(a.rolloutCorrection()));
    if (sync.mode() != ReferenceSyncMode.NONE && a.beta() == 0) {
      problems.add(
          new FieldProblem(
              "algorithm.referenceSync.mode",
              "beta is 0, so no reference policy is used and there is nothing to sync"));
    }
    return problems;
  }

  /** PPO's sections belong to it alone, and PPO's advantages are GAE's, not an estimator's. */
  private static List<FieldProblem> ppoProblems(Algorithm a) {
    List<FieldProblem> problems = new ArrayList<>();
    if (a.policyLoss() != PolicyLoss.PPO) {
      String message =
          "applies only when policyLoss is ppo, not " + wireName(a.policyLoss()) + " (no critic)";
      if (a.valueModel() != null) {
        problems.add(new FieldProblem("algorithm.valueModel", message));
      }
      if (a.gae() != null) {
        problems.add(new FieldProblem("algorithm.gae", message));
      }
      return problems;
    }
    if (a.advantageEstimator() != AdvantageEstimator.GRPO) {
      problems.add(
          new FieldProblem(
              "algorithm.advantageEstimator",
              "ppo's advantages come from its critic by GAE (algorithm.gae), not from "
                  + wireName(a.advantageEstimator())
                  + "; leave advantageEstimator out"));
    } else if (a.rewardScaling() != RewardScaling.GROUP) {
      problems.add(
          new FieldProblem(
              "algorithm.rewardScaling",
              "ppo scales no group rewards; its advantages are whitened by algorithm.gae.whiten"));
    }
    if (a.valueModel().kind() == ValueModelKind.HEAD && a.valueModel().preset() != null) {
      problems.add(
          new FieldProblem(
              "algorithm.valueModel.preset",
              "a head critic reads the policy's hidden states; a preset applies to kind separate"));
    }
    return problems;
  }

  private static List<FieldProblem> rolloutCorrectionProblems(RolloutCorrection c) {
    List<FieldProblem> problems = new ArrayList<>();
    switch (c.mode()) {
      case NONE -> {
        String message = "applies only when mode is not none";
        refuseIfGiven(problems, "cap", c.cap(), message);
        refuseIfGiven(problems, "lower", c.lower(), message);
        refuseIfGiven(problems, "upper", c.upper(), message);
      }
      case TRUNCATED_IS -> {
        String message =
            "bounds the mask modes (mask_token, mask_sequence); truncated_is has only a cap";
        refuseIfGiven(problems, "lower", c.lower(), message);
        refuseIfGiven(problems, "upper", c.upper(), message);
      }
      case MASK_TOKEN, MASK_SEQUENCE -> {
        if (c.lower() >= c.upper()) {
          problems.add(
              new FieldProblem(
                  "algorithm.rolloutCorrection.lower",
                  "must be below upper (" + c.upper() + "): the band keeps nothing"));
        }
      }
    }
    return problems;
  }

  private static void refuseIfGiven(
      List<FieldProblem> problems, String field, Double value, String message) {
    if (value != null) {
      problems.add(new FieldProblem("algorithm.rolloutCorrection." + field, message));
    }
  }

  private static String wireName(Enum<?> value) {
    return value.name().toLowerCase(java.util.Locale.ROOT);
  }
}
