package dev.grpo.rollout.openai;

import dev.grpo.api.rollout.BackendStatus.EndpointStatus;
import dev.grpo.rollout.backend.BackendException;
import dev.grpo.rollout.backend.BackendException.Kind;
import dev.grpo.rollout.backend.BackendHealth;
import dev.grpo.rollout.backend.GeneratedSample;
import dev.grpo.rollout.backend.GenerationBatch;
import dev.grpo.rollout.backend.GenerationBatch.PromptInput;
import dev.grpo.rollout.backend.InferenceBackend;
import dev.grpo.rollout.backend.WeightUpdate;
import dev.grpo.rollout.config.RolloutProperties;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A fleet of OpenAI-compatible servers (vLLM, SGLang, DJL Serving) serving one model. A batch goes
 * out as one {@code /v1/completions} request per prompt with {@code n} = group size, all prompts
 * concurrently. Each request goes to the healthy endpoint with the fewest outstanding requests,
 * waits for one of that endpoint's permits, and is retried with jittered exponential backoff on
 * 5xx, timeouts and connection errors (preferring another endpoint), never on 4xx. A background
 * health check drops endpoints whose {@code GET /health} fails and re-adds them when it passes.
 */
final class OpenAiBackend implements InferenceBackend {

  private static final Logger log = LoggerFactory.getLogger(OpenAiBackend.class);

  private final RolloutProperties.Backend config;
  private final List<Endpoint> endpoints;
  private final HttpClient http;
  private final JsonMapper mapper;
  private final Duration timeout;
  private final ExecutorService workers;
  private final ScheduledExecutorService healthChecks;
  private final AtomicInteger pending = new AtomicInteger();
  private int rotation;

  private volatile long policyVersion;
  private volatile String checkpointUri;
  // the model name requests carry: the base model, or the LoRA adapter of the current version
  private volatile String servedModel;
  private volatile String adapterPath;

  OpenAiBackend(RolloutProperties.Backend config, Duration defaultTimeout, JsonMapper mapper) {
    this.config = config;
    this.mapper = mapper;
    this.timeout = config.timeout() != null ? config.timeout() : defaultTimeout;
    this.endpoints =
        config.endpoints().stream()
            .map(u -> new Endpoint(u, config.maxConcurrencyPerEndpoint()))
            .toList();
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(config.healthCheckTimeout())
            .build();
    this.policyVersion = config.initialPolicyVersion();
    this.servedModel = config.model();
    this.workers =
        BlockingIoExecutors.create(
            "rollout-" + config.name(), endpoints.size() * config.maxConcurrencyPerEndpoint());
    this.healthChecks =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "rollout-" + config.name() + "-health");
              t.setDaemon(true);
              return t;
            });
    long every = config.healthCheckInterval().toMillis();
    healthChecks.scheduleWithFixedDelay(this::checkHealth, every, every, TimeUnit.MILLISECONDS);
  }

  @Override
  public String name() {
    return config.name();
  }

  @Override
  public String type() {
    return "openai";
  }

  @Override
  public long policyVersion() {
    return policyVersion;
  }

  @Override
  public String checkpointUri() {
    return checkpointUri;
  }

  /** The model name requests carry now. */
  String servedModel() {
    return servedModel;
  }

  @Override
  public BackendHealth health() {
    List<EndpointStatus> statuses = endpoints.stream().map(Endpoint::status).toList();
    return new BackendHealth(
        endpoints.stream().anyMatch(Endpoint::healthy), pending.get(), statuses);
  }

  // --- generation -------------------------------------------------------------------------

  @Override
  public Generation generate(GenerationBatch batch) {
    String model;
    long version;
    synchronized (this) {
      // a sync swaps model and version together; a batch sees both before or both after
      model = servedModel;
      version = policyVersion;
    }
    List<Future<List<GeneratedSample>>> futures = new ArrayList<>();
    List<AtomicBoolean> claims = new ArrayList<>();
    for (PromptInput prompt : batch.prompts()) {
      ObjectNode body =
          CompletionsRequestBody.of(
              mapper,
              model,
              prompt,
              batch.n(),
              batch.sampling(),
              batch.requestId() + ":" + prompt.itemId());
      AtomicBoolean claimed = new AtomicBoolean();
      claims.add(claimed);
      pending.incrementAndGet();
      futures.add(
          workers.submit(
              () -> {
                if (!claimed.compareAndSet(false, true)) {
                  return null;
                }
                try {
                  return complete(body, batch.n());
                } finally {
                  pending.decrementAndGet();
                }
              }));
    }
    List<List<GeneratedSample>> results = new ArrayList<>(futures.size());
    try {
      for (Future<List<GeneratedSample>> f : futures) {
        results.add(f.get());
      }
      return new Generation(version, results);
    } catch (ExecutionException e) {
      cancel(futures, claims);
      if (e.getCause() instanceof BackendException be) {
        throw be;
      }
      throw new BackendException(Kind.FAILED, "backend " + name() + ": " + e.getCause(), e);
    } catch (InterruptedException e) {
      cancel(futures, claims);
      Thread.currentThread().interrupt();
      throw new BackendException(Kind.FAILED, "interrupted while waiting for " + name(), e);
    } catch (CancellationException e) {
      cancel(futures, claims);
      throw new BackendException(Kind.FAILED, "cancelled", e);
    }
  }

  private void cancel(List<Future<List<GeneratedSample>>> futures, List<AtomicBoolean> claims) {
    for (int i = 0; i < futures.size(); i++) {
      if (claims.get(i).compareAndSet(false, true)) {
        pending.decrementAndGet();
      }
      futures.get(i).cancel(true);
    }
  }

  /** One prompt's request, with retries. */
  private List<GeneratedSample> complete(ObjectNode body, int n) throws InterruptedException {
    String json = mapper.writeValueAsString(body);
    Set<Endpoint> failed = new HashSet<>();
    for (int attempt = 0; ; attempt++) {
      Endpoint endpoint = choose(failed);
      Attempt outcome;
      try {
        outcome = attempt(endpoint, json, n);
      } finally {
        endpoint.finished();
      }
      if (outcome.samples() != null) {
        return outcome.samples();
      }
      String failure = outcome.failure();
      failed.add(endpoint);
      endpoint.noteError(failure);
      if (attempt >= config.maxRetries()) {
        throw new BackendException(
            Kind.FAILED,
            "backend %s gave up after %d attempts; last: %s"
                .formatted(name(), attempt + 1, failure));
      }
      log.warn("backend {} attempt {} failed, retrying: {}", name(), attempt + 1, failure);
      Thread.sleep(backoff(attempt).toMillis());
    }
  }

  /** What one attempt gave: the samples, or why a retry may help. */
  private record Attempt(List<GeneratedSample> samples, String failure) {
    static Attempt retry(String failure) {
      return new Attempt(null, failure);
    }
  }

  /**
   * One HTTP attempt on one endpoint.
   *
   * @throws BackendException when a retry cannot help (4xx, an unusable 2xx body)
   */
  private Attempt attempt(Endpoint endpoint, String json, int n) throws InterruptedException {
    endpoint.permits().acquire();
    HttpResponse<String> response;
    try {
      HttpRequest request =
          HttpRequest.newBuilder(endpoint.resolve("/v1/completions"))
              .timeout(timeout)
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(json))
              .build();
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (HttpConnectTimeoutException | ConnectException e) {
      endpoint.markDown("cannot connect: " + describe(e));
      return Attempt.retry(endpoint.base() + " cannot connect: " + describe(e));
    } catch (HttpTimeoutException e) {
      return Attempt.retry(endpoint.base() + " timed out after " + timeout.toMillis() + " ms");
    } catch (IOException e) {
      return Attempt.retry(endpoint.base() + " I/O error: " + describe(e));
    } finally {
      endpoint.permits().release();
    }
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      JsonNode parsed;
      try {
        parsed = mapper.readTree(response.body());
      } catch (RuntimeException e) {
        throw new BackendException(
            Kind.BAD_RESPONSE, endpoint.base() + " answered a body that is not JSON");
      }
      try {
        return new Attempt(CompletionsResponse.samples(parsed, n), null);
      } catch (BackendException e) {
        throw new BackendException(e.kind(), endpoint.base() + ": " + e.getMessage());
      }
    }
    String message = CompletionsResponse.errorMessage(tryParse(response.body()), response.body());
    if (status >= 400 && status < 500) {
      throw new BackendException(
          Kind.REJECTED,
          "backend %s (%s) rejected the request with %d: %s"
              .formatted(name(), endpoint.base(), status, message));
    }
    return Attempt.retry(endpoint.base() + " answered " + status + ": " + message);
  }

  /** Exponential backoff with equal jitter: half fixed, half random, capped. */
  Duration backoff(int attempt) {
    long base = config.retryBackoff().toMillis();
    long cap = config.maxRetryBackoff().toMillis();
    long exp = Math.min(cap, base << Math.min(attempt, 20));
    long half = exp / 2;
    return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(half + 1));
  }

  /**
   * The healthy endpoint with the fewest outstanding requests, preferring endpoints that have not
   * failed this request; ties rotate so equal endpoints share the load.
   */
  private Endpoint choose(Set<Endpoint> avoid) {
    synchronized (endpoints) {
      Endpoint best = null;
      int size = endpoints.size();
      int start = Math.floorMod(rotation++, size);
      for (int k = 0; k < size; k++) {
        Endpoint e = endpoints.get((start + k) % size);
        if (!e.healthy()) {
          continue;
        }
        if (best == null || better(e, best, avoid)) {
          best = e;
        }
      }
      if (best == null) {
        throw new BackendException(
            Kind.UNAVAILABLE, "backend " + name() + " has no healthy endpoint");
      }
      best.assigned();
      return best;
    }
  }

  private static boolean better(Endpoint a, Endpoint b, Set<Endpoint> avoid) {
    boolean aFresh = !avoid.contains(a);
    boolean bFresh = !avoid.contains(b);
    if (aFresh != bFresh) {
      return aFresh;
    }
    return a.outstanding() < b.outstanding();
  }

  // --- health -------------------------------------------------------------------------------

  /** Checks every endpoint once; the scheduler calls it every health-check interval. */
  void checkHealth() {
    for (Endpoint e : endpoints) {
      try {
        checkHealth(e);
      } catch (RuntimeException ex) {
        log.warn("health check of {} failed", e.base(), ex);
      }
    }
  }

  private void checkHealth(Endpoint e) {
    boolean wasHealthy = e.healthy();
    String problem;
    try {
      HttpResponse<String> r = get(e.resolve("/health"));
      if (r.statusCode() == 404) {
        // servers without /health (some DJL Serving builds) still list their models
        r = get(e.resolve("/v1/models"));
      }
      problem =
          r.statusCode() >= 200 && r.statusCode() < 300
              ? null
              : "health check answered " + r.statusCode();
    } catch (IOException ex) {
      problem = "health check failed: " + describe(ex);
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      return;
    }
    if (problem == null) {
      synchronized (this) {
        String adapter = config.loraAdapter() != null && checkpointUri != null ? servedModel : null;
        if (adapter != null && !adapter.equals(e.loadedAdapter())) {
          // it was down during a sync: give it the current adapter before it takes requests
          problem = loadAdapter(e, adapter, adapterPath);
        } else if (config.fullWeightSync() != null
            && checkpointUri != null
            && !checkpointUri.equals(e.loadedWeights())) {
          // it was down during a sync, or restarted on its start-up weights: reload the current
          // version before it takes requests, or it would serve other weights under this label
          problem = reloadOne(e, checkpointUri);
        }
      }
    }
    if (problem == null) {
      e.markHealthy();
      if (!wasHealthy) {
        log.info("backend {}: endpoint {} is healthy again", name(), e.base());
      }
    } else {
      e.markDown(problem);
      e.loadedWeights(null); // it may come back restarted, on its start-up weights
      if (wasHealthy) {
        log.warn("backend {}: dropping endpoint {}: {}", name(), e.base(), problem);
      }
    }
  }

  private HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(uri).timeout(config.healthCheckTimeout()).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  // --- weight sync --------------------------------------------------------------------------

  @Override
  public synchronized boolean syncWeights(WeightUpdate update) {
    if (update.policyVersion() == policyVersion
        && Objects.equals(update.checkpointUri(), checkpointUri)) {
      return false;
    }
    if (update.policyVersion() < policyVersion) {
      throw new BackendException(
          Kind.CONFLICT,
          "backend %s already serves policy version %d; refusing to go back to %d"
              .formatted(name(), policyVersion, update.policyVersion()));
    }
    if (update.policyVersion() == policyVersion) {
      throw new BackendException(
          Kind.CONFLICT,
          "backend %s already serves policy version %d from %s; new weights need a new version"
              .formatted(name(), policyVersion, checkpointUri));
    }
    if (config.loraAdapter() != null) {
      syncLora(update);
    } else if ("sglang".equals(config.fullWeightSync())) {
      requireModelDirectory(localPath(update));
      reloadEverywhere(update, this::sglangReload);
    } else if ("vllm".equals(config.fullWeightSync())) {
      java.nio.file.Path previous = servedTarget();
      pointServedPathAt(localPath(update));
      try {
        reloadEverywhere(update, this::vllmReload);
      } catch (BackendException e) {
        if (previous != null) {
          pointServedPathAt(previous); // a restarting server loads the version the backend serves
        }
        throw e;
      }
    } else if (config.reloadHookUrl() != null) {
      callReloadHook(update);
    } else {
      throw new BackendException(
          Kind.UNSUPPORTED,
          "backend "
              + name()
              + " has none of lora-adapter, full-weight-sync and reload-hook-url configured");
    }
    policyVersion = update.policyVersion();
    checkpointUri = update.checkpointUri();
    log.info("backend {} now serves policy version {} ({})", name(), policyVersion, checkpointUri);
    return true;
  }

  private void syncLora(WeightUpdate update) {
    String adapter = config.loraAdapter() + "-v" + update.policyVersion();
    String path = loraPath(update.checkpointUri());
    requireAdapterDirectory(path);
    List<Endpoint> live = endpoints.stream().filter(Endpoint::healthy).toList();
    if (live.isEmpty()) {
      throw new BackendException(
          Kind.UNAVAILABLE, "backend " + name() + " has no healthy endpoint to load weights on");
    }
    for (Endpoint e : live) {
      if (adapter.equals(e.loadedAdapter())) {
        continue; // loaded by an earlier, partly failed sync
      }
      String problem = loadAdapter(e, adapter, path);
      if (problem != null) {
        // a 4xx is the server refusing this adapter (rank above its --max-lora-rank, modules it
        // lacks, a foreign base): retrying cannot help
        throw new BackendException(
            problem.startsWith("4") ? Kind.REJECTED : Kind.FAILED,
            "backend %s: %s did not load LoRA %s from %s: %s; it keeps serving policy version %d"
                .formatted(name(), e.base(), adapter, path, problem, policyVersion));
      }
    }
    String previous = checkpointUri != null ? servedModel : null;
    servedModel = adapter;
    adapterPath = path;
    if (previous != null) {
      for (Endpoint e : live) {
        String problem = post(e.resolve(loraRoute("unload")), json("lora_name", previous));
        if (problem != null) {
          // the new adapter serves already; a leftover old one only costs memory
          e.noteError("unloading " + previous + " failed: " + problem);
          log.warn(
              "backend {}: unloading {} on {} failed: {}", name(), previous, e.base(), problem);
        }
      }
    }
  }

  /** One endpoint's reload of full weights from a directory: null on success, else the problem. */
  private interface Reload {
    String on(Endpoint e, String dir);
  }

  /**
   * Has every healthy endpoint reload the version's full weights; the backend moves to the new
   * version only when all of them did (a sync that failed part-way is repeated whole: a reload of
   * the weights an endpoint already holds is harmless).
   */
  private void reloadEverywhere(WeightUpdate update, Reload reload) {
    String dir = localPath(update).toString();
    List<Endpoint> live = endpoints.stream().filter(Endpoint::healthy).toList();
    if (live.isEmpty()) {
      throw new BackendException(
          Kind.UNAVAILABLE, "backend " + name() + " has no healthy endpoint to load weights on");
    }
    for (Endpoint e : live) {
      String problem = reload.on(e, dir);
      if (problem != null) {
        // it may hold the new weights or the old ones: out of rotation until a health check
        // reloads the backend's version on it
        e.loadedWeights(null);
        e.markDown("reloading policy version " + update.policyVersion() + " failed");
        throw new BackendException(
            Kind.FAILED,
            "backend %s: %s could not reload the weights of policy version %d: %s"
                .formatted(name(), e.base(), update.policyVersion(), problem));
      }
      e.loadedWeights(update.checkpointUri());
    }
  }

  /** Reloads the backend's current version on one endpoint; null on success. */
  private String reloadOne(Endpoint e, String uri) {
    java.nio.file.Path dir = localPath(new WeightUpdate(null, policyVersion, uri));
    String problem =
        "sglang".equals(config.fullWeightSync())
            ? sglangReload(e, dir.toString())
            : vllmReload(e, dir.toString());
    if (problem == null) {
      e.loadedWeights(uri);
    }
    return problem;
  }

  /** SGLang's {@code POST /update_weights_from_disk}: answers {@code success} and a message. */
  private String sglangReload(Endpoint e, String dir) {
    ObjectNode body = mapper.createObjectNode();
    body.put("model_path", dir);
    Answer a =
        postForAnswer(e.resolve("/update_weights_from_disk"), mapper.writeValueAsString(body));
    if (a.problem() != null) {
      return a.problem();
    }
    JsonNode answer = tryParse(a.body());
    if (answer == null || !answer.path("success").asBoolean(false)) {
      return "update_weights_from_disk did not succeed: "
          + (answer == null ? a.body() : answer.path("message").asString(a.body()));
    }
    return null;
  }

  /**
   * vLLM's development endpoints: {@code reload_weights} on every worker reads the served path
   * again, and the prefix cache, filled with the old weights' keys and values, is dropped.
   */
  private String vllmReload(Endpoint e, String dir) {
    String problem = post(e.resolve("/collective_rpc"), json("method", "reload_weights"));
    if (problem != null) {
      return "collective_rpc reload_weights: " + problem;
    }
    problem = post(e.resolve("/reset_prefix_cache"), "{}");
    return problem == null ? null : "reset_prefix_cache: " + problem;
  }

  /**
   * Repoints the served path (a symbolic link) at {@code dir} in one rename, so a vLLM worker that
   * reads it sees the old version or the new one, never a mix.
   */
  private void pointServedPathAt(java.nio.file.Path dir) {
    java.nio.file.Path link = config.vllmServedPath();
    if (link == null) {
      throw new BackendException(
          Kind.UNSUPPORTED, "backend " + name() + ": full-weight-sync vllm needs vllm-served-path");
    }
    requireModelDirectory(dir);
    java.nio.file.Path next =
        link.resolveSibling(link.getFileName() + ".next-" + java.util.UUID.randomUUID());
    try {
      java.nio.file.Files.deleteIfExists(next);
      java.nio.file.Files.createSymbolicLink(next, dir);
      java.nio.file.Files.move(
          next,
          link,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (java.io.IOException e) {
      throw new BackendException(
          Kind.FAILED,
          "backend %s: cannot point %s at %s: %s".formatted(name(), link, dir, e.getMessage()));
    }
  }

  /** Where the served path points now, or null when it is not a link. */
  private java.nio.file.Path servedTarget() {
    java.nio.file.Path link = config.vllmServedPath();
    try {
      if (link == null || !java.nio.file.Files.isSymbolicLink(link)) {
        return null;
      }
      java.nio.file.Path target = java.nio.file.Files.readSymbolicLink(link);
      return target.isAbsolute() ? target : link.toAbsolutePath().getParent().resolve(target);
    } catch (java.io.IOException e) {
      return null;
    }
  }

  /** A directory the servers can load: it holds {@code config.json}. */
  private void requireModelDirectory(java.nio.file.Path dir) {
    if (!java.nio.file.Files.isRegularFile(dir.resolve("config.json"))) {
      throw new BackendException(
          Kind.FAILED,
          "backend %s: %s holds no config.json; nothing was reloaded".formatted(name(), dir));
    }
  }

  /**
   * The published version's directory on the shared volume; a URL the servers cannot read is
   * refused.
   */
  private java.nio.file.Path localPath(WeightUpdate update) {
    String uri = update.checkpointUri();
    java.nio.file.Path dir;
    try {
      dir =
          uri.startsWith("file:")
              ? java.nio.file.Path.of(URI.create(uri))
              : java.nio.file.Path.of(uri);
    } catch (RuntimeException e) {
      dir = null;
    }
    if (dir == null || !dir.isAbsolute()) {
      throw new BackendException(
          Kind.UNSUPPORTED,
          "backend %s: full-weight sync needs a directory on the shared volume, got %s"
              .formatted(name(), uri));
    }
    return dir;
  }

  /** vLLM's {@code /v1/load_lora_adapter} or SGLang's {@code /load_lora_adapter} (and unload). */
  private String loraRoute(String verb) {
    return ("sglang".equals(config.loraApi()) ? "/" : "/v1/") + verb + "_lora_adapter";
  }

  /**
   * A version directory this service can see must be a PEFT adapter ({@code adapter_config.json}
   * and {@code adapter_model.safetensors}), or the servers would be told to load full weights as an
   * adapter. A path only the servers can read (another mount, a remote URL) is passed on as it is.
   */
  private void requireAdapterDirectory(String path) {
    java.nio.file.Path dir;
    try {
      dir = java.nio.file.Path.of(path);
    } catch (RuntimeException notAPath) {
      return;
    }
    if (java.nio.file.Files.isDirectory(dir)
        && !(java.nio.file.Files.isRegularFile(dir.resolve("adapter_config.json"))
            && java.nio.file.Files.isRegularFile(dir.resolve("adapter_model.safetensors")))) {
      throw new BackendException(
          Kind.REJECTED,
          "backend %s: %s is not a LoRA adapter (no adapter_config.json and".formatted(name(), dir)
              + " adapter_model.safetensors); it keeps serving policy version "
              + policyVersion);
    }
  }

  /** Loads a LoRA adapter on one endpoint; null on success, else the problem. */
  private String loadAdapter(Endpoint e, String adapter, String path) {
    String problem =
        post(e.resolve(loraRoute("load")), json("lora_name", adapter, "lora_path", path));
    if (problem == null || problem.contains("already been loaded")) {
      e.loadedAdapter(adapter);
      return null;
    }
    return problem;
  }

  private void callReloadHook(WeightUpdate update) {
    ObjectNode body = mapper.createObjectNode();
    body.put("runId", update.runId().toString());
    body.put("policyVersion", update.policyVersion());
    body.put("checkpointUri", update.checkpointUri());
    String problem = post(config.reloadHookUrl(), mapper.writeValueAsString(body));
    if (problem != null) {
      throw new BackendException(
          Kind.FAILED, "backend %s: the reload hook failed: %s".formatted(name(), problem));
    }
  }

  private static String loraPath(String checkpointUri) {
    return checkpointUri.startsWith("file:")
        ? Path.of(URI.create(checkpointUri)).toString()
        : checkpointUri;
  }

  private String json(String... keyValues) {
    ObjectNode node = mapper.createObjectNode();
    for (int i = 0; i < keyValues.length; i += 2) {
      node.put(keyValues[i], keyValues[i + 1]);
    }
    return mapper.writeValueAsString(node);
  }

  /** A POST's outcome: {@code problem} null on 2xx, with the body either way. */
  private record Answer(String problem, String body) {}

  /** POSTs JSON; null on 2xx, else the problem. */
  private String post(URI uri, String json) {
    return postForAnswer(uri, json).problem();
  }

  private Answer postForAnswer(URI uri, String json) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(uri)
                  .timeout(timeout)
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(json))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() >= 200 && r.statusCode() < 300) {
        return new Answer(null, r.body());
      }
      return new Answer(
          r.statusCode() + ": " + CompletionsResponse.errorMessage(tryParse(r.body()), r.body()),
          r.body());
    } catch (IOException e) {
      return new Answer(describe(e), "");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Answer("interrupted", "");
    }
  }

  private JsonNode tryParse(String body) {
    try {
      return body == null || body.isBlank() ? null : mapper.readTree(body);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static String describe(Exception e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  @Override
  public void close() {
    healthChecks.shutdownNow();
    workers.shutdownNow();
  }
}
