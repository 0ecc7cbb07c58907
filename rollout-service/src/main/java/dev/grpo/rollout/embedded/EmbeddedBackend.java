package dev.grpo.rollout.embedded;

import dev.grpo.api.rollout.RolloutRequest;
import dev.grpo.policy.lora.PeftAdapterFiles;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelPreset;
import dev.grpo.policy.sampling.BatchSampler;
import dev.grpo.policy.sampling.FinishReason;
import dev.grpo.policy.sampling.LogprobMode;
import dev.grpo.policy.sampling.SampleOutput;
import dev.grpo.policy.sampling.SamplingParams;
import dev.grpo.policy.tokenizer.CharTokenizer;
import dev.grpo.policy.tokenizer.HfTokenizer;
import dev.grpo.policy.tokenizer.Tokenizer;
import dev.grpo.rollout.backend.BackendException;
import dev.grpo.rollout.backend.BackendException.Kind;
import dev.grpo.rollout.backend.BackendHealth;
import dev.grpo.rollout.backend.GeneratedSample;
import dev.grpo.rollout.backend.GenerationBatch;
import dev.grpo.rollout.backend.InferenceBackend;
import dev.grpo.rollout.backend.WeightUpdate;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples in-process with the DJL policy (the {@code policy} module's batched sampler with a
 * key/value cache): for small models, local runs and tests. One model serves one batch at a time;
 * the log-probs it returns are the raw-model log-probs at the sampling temperature, which is what
 * the trainer recomputes ({@code DecoderModel.logProbs(..., temperature, ...)}).
 *
 * <p>{@code model} is a {@link ModelPreset} name ({@code tiny}, {@code small}: random weights from
 * seed 0, character tokenizer) or a directory with {@code config.json}, {@code model.safetensors}
 * and {@code tokenizer.json}. A weight sync loads a checkpoint directory of the same shape.
 */
final class EmbeddedBackend implements InferenceBackend {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedBackend.class);
  private static final SecureRandom SEEDS = new SecureRandom();

  /** Runs whose synced weights stay loaded; the least recently used one is dropped beyond. */
  static final int MAX_RUN_POLICIES = 8;

  /** The weights one run synced, with the tokenizer that goes with them. */
  private record Policy(DecoderModel model, Tokenizer tokenizer, long version, String uri) {}

  private final String name;
  private final AtomicInteger outstanding = new AtomicInteger();
  private DecoderModel model;
  private Tokenizer tokenizer;
  private long policyVersion;
  private String checkpointUri;

  /**
   * Each run trains its own policy, so each run's rollouts must be sampled from that run's weights:
   * a sync loads weights for its run only, and a run that never synced samples from the base model.
   */
  private final LinkedHashMap<UUID, Policy> runPolicies =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<UUID, Policy> eldest) {
          if (size() > MAX_RUN_POLICIES) {
            eldest.getValue().model().close();
            log.info("embedded backend {} dropped the weights of run {}", name, eldest.getKey());
            return true;
          }
          return false;
        }
      };

  EmbeddedBackend(String name, String modelSpec, long initialPolicyVersion) {
    this.name = name;
    this.policyVersion = initialPolicyVersion;
    Optional<ModelPreset> preset = ModelPreset.named(modelSpec);
    if (preset.isPresent()) {
      this.tokenizer = new CharTokenizer();
      this.model = DecoderModel.randomInit(preset.get().config(), 0);
      this.checkpointUri = "preset:" + preset.get().presetName();
    } else {
      Path dir = Path.of(modelSpec);
      this.model = DecoderModel.load(dir);
      this.tokenizer = tokenizerOf(dir);
      this.checkpointUri = dir.toUri().toString();
    }
    log.info(
        "embedded backend {} serves {} (policy version {})", name, checkpointUri, policyVersion);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String type() {
    return "embedded";
  }

  @Override
  public synchronized Generation generate(GenerationBatch batch) {
    outstanding.incrementAndGet();
    try {
      Policy run = batch.runId() == null ? null : runPolicies.get(batch.runId());
      DecoderModel model = run != null ? run.model() : this.model;
      Tokenizer tokenizer = run != null ? run.tokenizer() : this.tokenizer;
      long policyVersion = run != null ? run.version() : this.policyVersion;
      List<int[]> prompts = new ArrayList<>();
      for (GenerationBatch.PromptInput p : batch.prompts()) {
        int[] ids = p.tokenIds() != null ? p.tokenIds() : tokenizer.encode(p.text());
        if (ids.length == 0) {
          ids = new int[] {tokenizer.bosId()};
        }
        for (int id : ids) {
          if (id < 0 || id >= model.config().vocabSize()) {
            throw new BackendException(
                Kind.REJECTED,
                "prompt " + p.itemId() + " has token id " + id + " outside the model's vocabulary");
          }
        }
        prompts.add(ids);
      }
      RolloutRequest.Sampling s = batch.sampling();
      SamplingParams params =
          SamplingParams.builder()
              .n(batch.n())
              .temperature(s.temperature().floatValue())
              .topP(s.topP().floatValue())
              .topK(s.topK())
              .maxTokens(s.maxTokens())
              .stop(s.stop())
              .seed(s.seed() != null ? s.seed() : SEEDS.nextLong())
              .logprobMode(LogprobMode.RAW)
              .build();
      List<SampleOutput> out;
      try {
        out = new BatchSampler(model, tokenizer).generate(prompts, params);
      } catch (IllegalArgumentException e) {
        throw new BackendException(Kind.REJECTED, e.getMessage(), e);
      }
      List<List<GeneratedSample>> samples = new ArrayList<>();
      for (int i = 0; i < prompts.size(); i++) {
        List<GeneratedSample> group = new ArrayList<>(batch.n());
        for (int j = 0; j < batch.n(); j++) {
          SampleOutput o = out.get(i * batch.n() + j);
          group.add(
              new GeneratedSample(
                  o.text(),
                  o.tokenIds(),
                  o.logProbs(),
                  o.finishReason() == FinishReason.STOP ? "stop" : "length"));
        }
        samples.add(group);
      }
      return new Generation(policyVersion, samples);
    } finally {
      outstanding.decrementAndGet();
    }
  }

  @Override
  public BackendHealth health() {
    return new BackendHealth(true, outstanding.get(), List.of());
  }

  @Override
  public synchronized long policyVersion() {
    return policyVersion;
  }

  @Override
  public synchronized String checkpointUri() {
    return checkpointUri;
  }

  @Override
  public synchronized long policyVersion(UUID runId) {
    Policy run = runPolicies.get(runId);
    return run != null ? run.version() : policyVersion;
  }

  @Override
  public synchronized String checkpointUri(UUID runId) {
    Policy run = runPolicies.get(runId);
    return run != null ? run.uri() : checkpointUri;
  }

  /**
   * Loads the checkpoint's weights (and tokenizer when it has one) as the policy of the update's
   * run. The trainer is the authority on a run's version: after it resumed from an older checkpoint
   * it may sync an older version again, and that is loaded too.
   */
  @Override
  public synchronized boolean syncWeights(WeightUpdate update) {
    Policy current = runPolicies.get(update.runId());
    if (current != null
        && current.version() == update.policyVersion()
        && current.uri().equals(update.checkpointUri())) {
      return false;
    }
    Path dir = checkpointDir(update.checkpointUri());
    // load and check everything first; swap only when all of it is usable
    DecoderModel loaded;
    try {
      loaded = PeftAdapterFiles.isAdapter(dir) ? loadAdapted(dir) : DecoderModel.load(dir);
    } catch (RuntimeException e) {
      throw new BackendException(
          Kind.REJECTED,
          "cannot load checkpoint " + update.checkpointUri() + ": " + e.getMessage(),
          e);
    }
    Tokenizer nextTokenizer = tokenizer;
    try {
      if (Files.isRegularFile(dir.resolve("tokenizer.json"))) {
        nextTokenizer = HfTokenizer.load(dir.resolve("tokenizer.json"));
      } else if (PeftAdapterFiles.isAdapter(dir)
          && Files.isRegularFile(baseOf(dir).resolve("tokenizer.json"))) {
        nextTokenizer = HfTokenizer.load(baseOf(dir).resolve("tokenizer.json"));
      }
      if (loaded.config().vocabSize() != model.config().vocabSize() && nextTokenizer == tokenizer) {
        throw new BackendException(
            Kind.REJECTED,
            "checkpoint vocabulary (%d) differs from the served one (%d) and it has no"
                    .formatted(loaded.config().vocabSize(), model.config().vocabSize())
                + " tokenizer.json");
      }
    } catch (RuntimeException e) {
      loaded.close();
      throw e instanceof BackendException b
          ? b
          : new BackendException(
              Kind.REJECTED, "cannot load the checkpoint's tokenizer: " + e.getMessage(), e);
    }
    Policy previous =
        runPolicies.put(
            update.runId(),
            new Policy(loaded, nextTokenizer, update.policyVersion(), update.checkpointUri()));
    if (previous != null) {
      previous.model().close();
    }
    log.info(
        "embedded backend {} now samples run {} with policy version {} ({})",
        name,
        update.runId(),
        update.policyVersion(),
        update.checkpointUri());
    return true;
  }

  @Override
  public synchronized void close() {
    runPolicies.values().forEach(p -> p.model().close());
    runPolicies.clear();
    model.close();
  }

  /**
   * A PEFT adapter on the base model its {@code base_model_name_or_path} names: the policy a LoRA
   * run publishes. The adapters are applied, not merged, as the run trained them.
   */
  private static DecoderModel loadAdapted(Path dir) {
    DecoderModel base = DecoderModel.load(baseOf(dir));
    try {
      base.attachAdapters(PeftAdapterFiles.read(dir, base.config(), base.device()));
      return base;
    } catch (RuntimeException e) {
      base.close();
      throw e;
    }
  }

  private static Path baseOf(Path adapterDir) {
    String base = PeftAdapterFiles.baseModel(adapterDir);
    if (base == null || !Path.of(base).isAbsolute()) {
      throw new IllegalArgumentException(
          "adapter " + adapterDir + " names no base model directory (base_model_name_or_path)");
    }
    return Path.of(base);
  }

  private static Path checkpointDir(String uri) {
    Path dir = uri.startsWith("file:") ? Path.of(URI.create(uri)) : Path.of(uri);
    if (PeftAdapterFiles.isAdapter(dir)) {
      return dir;
    }
    if (!Files.isRegularFile(dir.resolve(DecoderModel.WEIGHTS_FILE))
        || !Files.isRegularFile(dir.resolve(DecoderModel.CONFIG_FILE))) {
      throw new BackendException(
          Kind.REJECTED,
          "checkpoint "
              + uri
              + " must be a directory with config.json and model.safetensors, or a PEFT adapter");
    }
    return dir;
  }

  private static Tokenizer tokenizerOf(Path dir) {
    Path json = dir.resolve("tokenizer.json");
    if (!Files.isRegularFile(json)) {
      throw new IllegalArgumentException(dir + " has no tokenizer.json");
    }
    return HfTokenizer.load(json);
  }
}
