package dev.grpo.trainer.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.TokenLogProbs;
import dev.grpo.trainer.grpo.GroupAdvantages;
import dev.grpo.trainer.grpo.GrpoBatch;
import dev.grpo.trainer.grpo.GrpoConfig;
import dev.grpo.trainer.grpo.GrpoMetrics;
import dev.grpo.trainer.grpo.GrpoObjective;
import dev.grpo.trainer.grpo.PolicyLoss;
import dev.grpo.trainer.optim.AdamW;
import dev.grpo.trainer.optim.NamedParameter;
import dev.grpo.trainer.ppo.PpoMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One GRPO step on the policy model: advantages from the group rewards, reference log-probs once
 * (without gradient, skipped when β = 0), then μ updates, each forward → {@link GrpoObjective} →
 * backward → {@link AdamW#step} (which clips) → zero gradients → the {@link ReferenceSync} when one
 * is due. TRL's {@code num_iterations} loop with one micro-batch per update.
 *
 * <p>π_old is the trainer's own: the detached log-probs of the one update at μ = 1, else the
 * policy's before the first update (unless the batch brings {@code oldLogProbs}). The rollout
 * backend's log-probs, when the batch has them, are only compared with it (and corrected for).
 *
 * <p>Not thread-safe. DJL allows one open {@code GradientCollector} per JVM, so one trainer (or SFT
 * trainer) steps at a time.
 */
public final class GrpoTrainer {

  /**
   * @param objective loss knobs (β, ε, aggregation, ...)
   * @param muIterations updates per batch of rollouts (TRL {@code num_iterations}, μ)
   * @param temperature the sampling temperature; logits are divided by it before the log-softmax,
   *     so the log-probs are those of the distribution the completions were drawn from (TRL)
   * @param referenceSync whether the reference follows the policy (TRL {@code sync_ref_model})
   */
  public record Options(
      GrpoConfig objective, int muIterations, float temperature, ReferenceSync referenceSync) {
    public Options {
      if (objective == null || muIterations < 1 || !(temperature > 0) || referenceSync == null) {
        throw new IllegalArgumentException(
            "need an objective, μ >= 1, a positive temperature and a reference sync");
      }
    }

    /** Options with a fixed reference. */
    public Options(GrpoConfig objective, int muIterations, float temperature) {
      this(objective, muIterations, temperature, ReferenceSync.NONE);
    }
  }

  private final DecoderModel policy;
  private final DecoderModel reference;
  private final AdamW optimizer;
  private final Options options;
  private final List<NamedParameter> parameters;
  private final Critic critic;

  /**
   * @param policy the trained model; its gradients are turned on
   * @param reference frozen copy of the initial weights (gradients turned off); may be null when β
   *     = 0
   */
  public GrpoTrainer(
      DecoderModel policy, DecoderModel reference, AdamW optimizer, Options options) {
    this(policy, reference, optimizer, options, null);
  }

  /**
   * A PPO trainer when {@code critic} is not null: the advantages are the critic's GAE per token
   * ({@link PpoAdvantages}) instead of the group's, and the critic takes one update after each
   * policy update. The caller keeps ownership of the critic.
   */
  public GrpoTrainer(
      DecoderModel policy,
      DecoderModel reference,
      AdamW optimizer,
      Options options,
      Critic critic) {
    if (critic != null && options.objective().policyLoss() != PolicyLoss.CLIP) {
      throw new IllegalArgumentException("PPO's critic needs the CLIP policy loss");
    }
    this.critic = critic;
    if (options.objective().beta() != 0 && reference == null) {
      throw new IllegalArgumentException("beta != 0 needs a reference model");
    }
    if (options.referenceSync().enabled() && reference == null) {
      throw new IllegalArgumentException("a reference sync needs a reference model");
    }
    this.policy = policy;
    this.reference = reference;
    this.optimizer = optimizer;
    this.options = options;
    this.parameters = namedParameters(policy);
    policy.setRequiresGradient(true);
    if (reference != null) {
      reference.setRequiresGradient(false);
    }
  }

  /**
   * What the optimizer updates, by name (the keys of its state): every parameter by Hugging Face
   * name, or only the LoRA adapters (PEFT names) when the model has them, its base frozen.
   */
  public static List<NamedParameter> namedParameters(DecoderModel model) {
    List<NamedParameter> out = new ArrayList<>();
    for (Map.Entry<String, NDArray> e : model.trainableParameters().entrySet()) {
      out.add(new NamedParameter(e.getKey(), e.getValue()));
    }
    return out;
  }

  public Options options() {
    return options;
  }

  /**
   * The reference when it moves during training (then it is training state a checkpoint must
   * carry); null when it stays the initial policy.
   */
  public DecoderModel syncedReference() {
    return options.referenceSync().enabled() ? reference : null;
  }

  /**
   * Bytes of the trained weights and their AdamW moments (float32: weight + exp_avg + exp_avg_sq),
   * the frozen reference's weights when there is one, and PPO's critic likewise: the training state
   * a method needs besides activations.
   */
  public long parameterAndOptimizerBytes() {
    long policyScalars = 0;
    for (NamedParameter p : parameters) {
      policyScalars += p.array().getShape().size();
    }
    long bytes = policyScalars * 4L * 3L;
    if (reference != null) {
      bytes += policyScalars * 4L;
    }
    if (critic != null) {
      bytes += critic.parameterAndOptimizerBytes();
    }
    return bytes;
  }

  /** The critic of a PPO trainer, else null. */
  public Critic critic() {
    return critic;
  }

  /** Runs μ updates on one batch of rollouts. */
  public StepMetrics step(RolloutBatch batch) {
    if (critic != null) {
      return ppoStep(batch);
    }
    GradMode.off();
    GrpoConfig config = options.objective();
    double[] advantages =
        GroupAdvantages.compute(
            batch.rewards(), batch.groupSize(), config, activeTokens(batch, config));
    int zero = 0;
    float[] advantageValues = new float[advantages.length];
    float[] truncatedValues = new float[advantages.length];
    for (int i = 0; i < advantages.length; i++) {
      advantageValues[i] = (float) advantages[i];
      truncatedValues[i] = batch.truncated()[i] ? 1f : 0f;
      zero += advantages[i] == 0 ? 1 : 0;
    }
    Updates updates;
    try (NDManager stepScope = NDManager.newBaseManager(policy.device())) {
      NDArray advantageArray = stepScope.create(advantageValues);
      NDArray truncatedArray = stepScope.create(truncatedValues);
      updates = policyUpdates(batch, advantageArray, truncatedArray, stepScope, null);
    }
    return new StepMetrics(
        optimizer.stepCount(),
        updates.learningRate(),
        batch.meanReward(),
        (double) zero / advantages.length,
        updates.policy());
  }

  /**
   * The μ updates of one batch.
   *
   * @param policy the objective's metrics of each, grad norm filled in
   * @param critic the critic's report of each (PPO), else empty
   * @param learningRate the policy's lr of the last update
   */
  private record Updates(
      List<GrpoMetrics> policy, List<Critic.Update> critic, double learningRate) {}

  /** A PPO step: GAE advantages from the critic, μ policy updates each followed by a critic one. */
  private StepMetrics ppoStep(RolloutBatch batch) {
    GradMode.off();
    GrpoConfig config = options.objective();
    float[] truncatedValues = new float[batch.size()];
    for (int i = 0; i < truncatedValues.length; i++) {
      truncatedValues[i] = batch.truncated()[i] ? 1f : 0f;
    }
    Updates updates;
    PpoAdvantages ppo;
    try (NDManager stepScope = NDManager.newBaseManager(policy.device())) {
      ppo = PpoAdvantages.compute(critic, batch, config, stepScope);
      NDArray truncatedArray = stepScope.create(truncatedValues);
      updates = policyUpdates(batch, ppo.advantages(), truncatedArray, stepScope, ppo);
    }
    Critic.Update last = updates.critic().get(updates.critic().size() - 1);
    PpoMetrics metrics =
        new PpoMetrics(
            last.valueLoss(),
            last.clipFraction(),
            ppo.explainedVariance(),
            ppo.valueMean(),
            ppo.returnMean(),
            last.gradNorm());
    return new StepMetrics(
        optimizer.stepCount(),
        updates.learningRate(),
        batch.meanReward(),
        ppo.zeroFraction(),
        updates.policy(),
        metrics);
  }

  /**
   * The μ policy updates of one batch; with {@code ppo} the critic takes one update after each,
   * toward that batch's returns.
   */
  private Updates policyUpdates(
      RolloutBatch batch,
      NDArray advantageArray,
      NDArray truncatedArray,
      NDManager stepScope,
      PpoAdvantages ppo) {
    GrpoConfig config = options.objective();
    List<int[]> prompts = batch.promptPerCompletion();
    List<int[]> completions = batch.completions();
    List<GrpoMetrics> updates = new ArrayList<>(options.muIterations());
    List<Critic.Update> criticUpdates = new ArrayList<>(options.muIterations());
    double lr = optimizer.currentLearningRate();
    {
      NDArray refLogp = null;
      if (config.beta() != 0) {
        // Outside any GradientCollector and with the reference's gradients off: no graph.
        refLogp =
            reference
                .logProbs(prompts, completions, options.temperature(), stepScope)
                .logProbs()
                .stopGradient();
      }
      NDArray oldLogp = null;
      if (batch.oldLogProbs() != null) {
        oldLogp = padded(stepScope, batch.oldLogProbs());
      } else if (options.muIterations() > 1) {
        // μ > 1 without rollout log-probs: the policy before the first update is the old policy.
        oldLogp =
            policy
                .logProbs(prompts, completions, options.temperature(), stepScope)
                .logProbs()
                .stopGradient();
      }
      NDArray rolloutLogp =
          batch.rolloutLogProbs() == null ? null : padded(stepScope, batch.rolloutLogProbs());
      if (config.rolloutCorrection().enabled() && rolloutLogp == null) {
        throw new IllegalArgumentException(
            "the rollout correction needs the rollout backend's log-probs");
      }
      for (int iteration = 0; iteration < options.muIterations(); iteration++) {
        try (NDManager scope = stepScope.newSubManager()) {
          GrpoObjective.Result result;
          try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            TokenLogProbs lp = policy.logProbs(prompts, completions, options.temperature(), scope);
            GrpoBatch grpoBatch =
                GrpoBatch.of(
                        lp.logProbs(), oldLogp, refLogp, advantageArray, lp.mask(), truncatedArray)
                    .withEntropy(lp.entropy())
                    .withRolloutLogp(rolloutLogp);
            result = GrpoObjective.compute(grpoBatch, config);
            collector.backward(result.loss());
          }
          lr = optimizer.currentLearningRate();
          AdamW.StepReport report = optimizer.step(parameters);
          AdamW.zeroGradients(parameters);
          updates.add(result.metrics().withGradNorm(report.gradNorm()));
          if (options.referenceSync().dueAfter(optimizer.stepCount())) {
            // after the update, as TRL's on_step_end; this batch's reference log-probs stay
            options.referenceSync().apply(policy, reference);
          }
          if (ppo != null) {
            criticUpdates.add(
                critic.update(
                    prompts, completions, ppo.oldValues(), ppo.returns(), ppo.mask(), stepScope));
          }
        }
      }
    }
    return new Updates(List.copyOf(updates), List.copyOf(criticUpdates), lr);
  }

  /**
   * Per completion, the tokens its loss is taken over: its length, or 0 when truncated and masked.
   */
  static double[] activeTokens(RolloutBatch batch, GrpoConfig config) {
    List<int[]> completions = batch.completions();
    double[] tokens = new double[completions.size()];
    for (int i = 0; i < tokens.length; i++) {
      boolean masked = config.maskTruncatedCompletions() && batch.truncated()[i];
      tokens[i] = masked ? 0 : completions.get(i).length;
    }
    return tokens;
  }

  /** Rows right-padded with 0 to (rows, max(1, longest)), the shape of the log-prob arrays. */
  static NDArray padded(NDManager manager, List<float[]> rows) {
    int width = 1;
    for (float[] row : rows) {
      width = Math.max(width, row.length);
    }
    float[] flat = new float[rows.size() * width];
    for (int i = 0; i < rows.size(); i++) {
      System.arraycopy(rows.get(i), 0, flat, i * width, rows.get(i).length);
    }
    return manager.create(flat, new Shape(rows.size(), width));
  }
}
