package dev.grpo.trainer.config;

import dev.grpo.web.ApiKeySource;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The trainer's settings ({@code grpo.trainer.*}).
 *
 * @param apiKey the bearer key mutating requests must carry; set it with {@code GRPO_API_KEY}. The
 *     trainer sends the same key to the rollout and reward services.
 * @param maxPageSize the largest page {@code GET /runs} returns
 * @param rolloutUrl base URL of the rollout service ({@code GRPO_ROLLOUT_URL})
 * @param rewardUrl base URL of the reward service ({@code GRPO_REWARD_URL})
 * @param dataDir where runs keep checkpoints and the policy weights the rollout service loads on a
 *     sync ({@code GRPO_DATA_DIR}); the rollout service must see the same path
 * @param orchestrator how runs are claimed and driven
 * @param dataRoots the folders a spec's {@code data.path} must lie in (after symlinks and {@code
 *     ..} are resolved); empty means the data dir, {@code datasets} and {@code ../shared/data}
 * @param modelRoots the folders a spec's {@code model.path} must lie in; empty means the same
 *     defaults
 * @param checkServices whether a new run's rules and backend are checked against the reward and
 *     rollout services before it is created (off only for tests without those services)
 * @param checkTimeout how long those checks wait for a service before answering 503
 */
@Validated
@ConfigurationProperties("grpo.trainer")
public record TrainerProperties(
    @NotBlank(message = "must be set, for example through the GRPO_API_KEY environment variable")
        String apiKey,
    @DefaultValue("200") @Min(1) @Max(10_000) int maxPageSize,
    @DefaultValue("http://localhost:8082") @NotNull URI rolloutUrl,
    @DefaultValue("http://localhost:8083") @NotNull URI rewardUrl,
    @DefaultValue("grpo-data") @NotNull Path dataDir,
    @DefaultValue @Valid @NotNull Orchestrator orchestrator,
    @DefaultValue List<@NotNull Path> dataRoots,
    @DefaultValue List<@NotNull Path> modelRoots,
    @DefaultValue("true") boolean checkServices,
    @DefaultValue("5s") @NotNull Duration checkTimeout)
    implements ApiKeySource {

  /**
   * The run console's files and its chart library are served without a key (they hold no data);
   * every API call the console makes carries the key the user typed in.
   */
  @Override
  public java.util.Set<String> openStaticPrefixes() {
    return java.util.Set.of("/console/", "/webjars/");
  }

  /** The folders data files may be read from. */
  public List<Path> effectiveDataRoots() {
    return dataRoots.isEmpty() ? defaultRoots() : dataRoots;
  }

  /** The folders model directories may be read from. */
  public List<Path> effectiveModelRoots() {
    return modelRoots.isEmpty() ? defaultRoots() : modelRoots;
  }

  private List<Path> defaultRoots() {
    return List.of(dataDir, Path.of("datasets"), Path.of("..", "shared", "data"));
  }

  /**
   * @param enabled whether this trainer claims and drives runs (off: the API only)
   * @param leaseDuration how long a claimed run stays this trainer's without a heartbeat; another
   *     trainer takes it over after that
   * @param heartbeatInterval how often the lease is renewed (well under the lease duration)
   * @param pollInterval how often an idle trainer looks for a queued run
   * @param retryTimeout how long a step keeps retrying a service that does not answer (down,
   *     restarting) before the run fails
   * @param requestTimeout the read timeout of one call to the rollout or reward service
   * @param maxStepAttempts attempts of a step whose reward policy says {@code fail} before the run
   *     fails
   * @param keepPolicyVersions how many published policy weight directories a run keeps on disk
   */
  public record Orchestrator(
      @DefaultValue("true") boolean enabled,
      @DefaultValue("30s") @NotNull Duration leaseDuration,
      @DefaultValue("5s") @NotNull Duration heartbeatInterval,
      @DefaultValue("2s") @NotNull Duration pollInterval,
      @DefaultValue("5m") @NotNull Duration retryTimeout,
      @DefaultValue("10m") @NotNull Duration requestTimeout,
      @DefaultValue("3") @Min(1) @Max(100) int maxStepAttempts,
      @DefaultValue("3") @Min(2) @Max(1000) int keepPolicyVersions) {}
}
