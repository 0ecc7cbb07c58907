package dev.grpo.rollout.config;

import dev.grpo.web.ApiKeySource;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The rollout service's settings ({@code grpo.rollout.*}).
 *
 * @param apiKey the bearer key mutating requests must carry; set it with {@code GRPO_API_KEY}
 * @param requestTimeout how long one call to an inference backend may take, for backends that do
 *     not set their own {@code timeout}
 * @param maxCompletionsPerRequest the largest prompts × n accepted in one rollout request
 * @param defaultBackend the backend a request without {@code backend} goes to; absent means the
 *     first configured backend
 * @param backends the inference backends this service can sample from
 */
@Validated
@ConfigurationProperties("grpo.rollout")
public record RolloutProperties(
    @NotBlank(message = "must be set, for example through the GRPO_API_KEY environment variable")
        String apiKey,
    @DefaultValue("120s") Duration requestTimeout,
    @DefaultValue("16384") @Min(1) @Max(1_000_000) int maxCompletionsPerRequest,
    String defaultBackend,
    @DefaultValue List<@NotNull @Valid Backend> backends)
    implements ApiKeySource {

  /**
   * One inference backend: a set of equivalent endpoints (pods) serving the same model.
   *
   * <p>For vLLM, start the server with {@code --logprobs-mode processed_logprobs} when sampling at
   * a temperature other than 1: by default vLLM returns log-probs computed before temperature and
   * top-k/top-p, which makes the GRPO importance ratio wrong. It is a server flag, not a request
   * field, so this service cannot set it per request.
   *
   * @param name how requests and metrics name the backend
   * @param type the adapter: {@code openai} (vLLM, SGLang, DJL Serving, anything that speaks {@code
   *     /v1/completions})
   * @param endpoints base URLs of the servers, without {@code /v1} (openai backends; an embedded
   *     backend has none)
   * @param model the model name sent in {@code model} until a LoRA adapter is loaded; for an
   *     embedded backend, a preset ({@code tiny}, {@code small}) or a model directory
   * @param maxConcurrencyPerEndpoint requests in flight to one endpoint at most
   * @param timeout how long one HTTP request may take; absent means {@code requestTimeout}
   * @param maxRetries retries after the first attempt, on 5xx, timeouts and connection errors only
   * @param retryBackoff the first retry's backoff; it doubles per retry, with full jitter
   * @param maxRetryBackoff the longest backoff between two attempts
   * @param healthCheckInterval how often every endpoint's {@code GET /health} is checked
   * @param healthCheckTimeout how long a health check may take
   * @param loraAdapter when set, weight sync loads the checkpoint as a LoRA adapter named {@code
   *     <loraAdapter>-v<policyVersion>} on every endpoint and unloads the previous one
   * @param reloadHookUrl when set (and no LoRA adapter), weight sync POSTs {@code {runId,
   *     policyVersion, checkpointUri}} here
   * @param fullWeightSync when set (and no LoRA adapter), weight sync has every endpoint reload the
   *     published version's full weights from the shared volume through its own API: {@code sglang}
   *     ({@code POST /update_weights_from_disk}) or {@code vllm} (the served path is pointed at the
   *     version, then {@code POST /collective_rpc} {@code reload_weights} and {@code POST
   *     /reset_prefix_cache}; needs {@code VLLM_SERVER_DEV_MODE=1})
   * @param vllmServedPath for {@code fullWeightSync: vllm}: the path the vLLM servers were started
   *     on ({@code --model}), a symbolic link on the shared volume this service repoints at each
   *     version
   * @param initialPolicyVersion the policy version the servers hold when this service starts
   * @param loraApi for {@code loraAdapter}: whose adapter endpoints to call, {@code vllm} ({@code
   *     POST /v1/load_lora_adapter}, {@code /v1/unload_lora_adapter}; start vLLM with {@code
   *     --enable-lora} and {@code VLLM_ALLOW_RUNTIME_LORA_UPDATING=True}) or {@code sglang} ({@code
   *     POST /load_lora_adapter}, {@code /unload_lora_adapter}; start SGLang with {@code
   *     --enable-lora})
   */
  public record Backend(
      @NotBlank @Pattern(regexp = "[a-z][a-z0-9_-]{0,63}", message = "must be a backend name")
          String name,
      @NotBlank @DefaultValue("openai") String type,
      List<@NotNull URI> endpoints,
      @NotBlank String model,
      @DefaultValue("32") @Min(1) @Max(4096) int maxConcurrencyPerEndpoint,
      Duration timeout,
      @DefaultValue("3") @Min(0) @Max(20) int maxRetries,
      @DefaultValue("200ms") Duration retryBackoff,
      @DefaultValue("10s") Duration maxRetryBackoff,
      @DefaultValue("10s") Duration healthCheckInterval,
      @DefaultValue("5s") Duration healthCheckTimeout,
      @Pattern(regexp = "[A-Za-z0-9_.-]{1,64}", message = "must be a LoRA adapter name")
          String loraAdapter,
      URI reloadHookUrl,
      @Pattern(regexp = "sglang|vllm", message = "must be sglang or vllm") String fullWeightSync,
      java.nio.file.Path vllmServedPath,
      @DefaultValue("0") @Min(0) long initialPolicyVersion,
      @DefaultValue("vllm") @Pattern(regexp = "sglang|vllm", message = "must be sglang or vllm")
          String loraApi) {}
}
