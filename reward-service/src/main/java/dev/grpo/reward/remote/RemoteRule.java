package dev.grpo.reward.remote;

import dev.grpo.api.reward.remote.RemoteRuleProtocol;
import dev.grpo.api.reward.remote.RemoteScoreRequest;
import dev.grpo.api.reward.remote.RemoteScoreResponse;
import dev.grpo.reward.rule.ConfigurableRule;
import dev.grpo.reward.rule.ParamSchema;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import dev.grpo.rule.RuleStatus;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * A rule served by a registered remote service: {@code POST {url}/score} with the items of one
 * group in one request ({@link RemoteScoreRequest}), one result per item back, in order ({@link
 * RemoteScoreResponse}).
 *
 * <p>It overrides {@link #scoreGroup}, so the scoring engine hands it whole groups (same {@code
 * groupId}, else same prompt) and makes one HTTP call per group; an item with neither is a group of
 * its own. Every failure is an explicit status for every item of the call, never a score of 0: a
 * refused connection, a non-2xx answer, bad JSON, the wrong number of results or an OK result
 * without a finite score, a score beyond the accepted magnitude or an answer over the size limit
 * are {@code ERROR}; a call past the registered timeout (answer included) is {@code TIMEOUT}; a
 * rule whose periodic health check failed answers {@code ERROR} without being called. Each rule has
 * a bulkhead ({@link RemoteCallLimits#maxConcurrentCalls}). A call that finds it full waits its
 * turn while the calls in flight are young (a slow but healthy rule: the groups of one request
 * queue); once the oldest has run past {@link RemoteCallLimits#stuckAfter} the rule looks stuck and
 * a call that cannot get a slot within a short wait answers {@code TIMEOUT}, so a hung rule cannot
 * hold every scoring thread and unrelated rules keep answering.
 */
public final class RemoteRule implements ConfigurableRule<ParamSchema.Values> {

  /** The last health check's outcome. */
  public enum Health {
    UNKNOWN,
    UP,
    DOWN
  }

  private static final ParamSchema NO_PARAMS = ParamSchema.of();

  private final String name;
  private final String version;
  private final String url;
  private final Duration timeout;
  private final HttpClient http;
  private final ObjectMapper mapper;
  private final RemoteCallLimits limits;
  private final Semaphore bulkhead;
  private final Set<long[]> inFlightSince = ConcurrentHashMap.newKeySet();
  private volatile Health health;
  private volatile Map<String, Object> serviceParams;

  RemoteRule(
      String name,
      String version,
      String url,
      Duration timeout,
      Health health,
      HttpClient http,
      ObjectMapper mapper) {
    this(name, version, url, timeout, health, http, mapper, RemoteCallLimits.DEFAULTS);
  }

  RemoteRule(
      String name,
      String version,
      String url,
      Duration timeout,
      Health health,
      HttpClient http,
      ObjectMapper mapper,
      RemoteCallLimits limits) {
    this.limits = limits;
    // fair: a call that waits its turn is not overtaken by later ones slice after slice
    this.bulkhead = new Semaphore(limits.maxConcurrentCalls(), true);
    this.name = name;
    this.version = version;
    this.url = stripSlash(url);
    this.timeout = timeout;
    this.health = health;
    this.http = http;
    this.mapper = mapper;
  }

  /**
   * Takes a slot of the bulkhead: waits in short slices while the calls in flight are younger than
   * {@link RemoteCallLimits#stuckAfter}, up to the rule's timeout; gives up after one slice once
   * the oldest looks stuck.
   */
  private boolean admit() throws InterruptedException {
    long slice = limits.bulkheadWait().toNanos();
    long giveUpAt = System.nanoTime() + timeout.toNanos();
    while (!bulkhead.tryAcquire(slice, TimeUnit.NANOSECONDS)) {
      long now = System.nanoTime();
      if (now - giveUpAt >= 0 || oldestInFlightNanos(now) >= limits.stuckAfter().toNanos()) {
        return false;
      }
    }
    return true;
  }

  private long oldestInFlightNanos(long now) {
    long oldest = 0;
    for (long[] since : inFlightSince) {
      oldest = Math.max(oldest, now - since[0]);
    }
    return oldest;
  }

  static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String version() {
    return version;
  }

  @Override
  public String description() {
    return "Remote rule served by " + url + "/score.";
  }

  @Override
  public ParamSchema paramSchema() {
    return NO_PARAMS;
  }

  @Override
  public ParamSchema.Values parseParams(Map<String, ?> rawParams) {
    return NO_PARAMS.parse(rawParams);
  }

  public String url() {
    return url;
  }

  public Duration timeout() {
    return timeout;
  }

  public Health health() {
    return health;
  }

  void health(Health health) {
    this.health = health;
  }

  /**
   * The settings the rule service reported at {@code GET {url}/rule} for this version, or null when
   * it has not (yet) answered there.
   */
  public Map<String, Object> serviceParams() {
    return serviceParams;
  }

  void serviceParams(Map<String, Object> params) {
    this.serviceParams =
        params == null
            ? null
            : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(params));
  }

  /** The registered timeout, for one call (one group). */
  @Override
  public Duration timeBudget(ParamSchema.Values params, Duration ruleTimeout) {
    return timeout;
  }

  @Override
  public RuleResult score(RuleInput input, ParamSchema.Values params) {
    return scoreGroup(List.of(input), params).get(0);
  }

  @Override
  public List<RuleResult> scoreGroup(List<RuleInput> group, ParamSchema.Values params) {
    if (group.isEmpty()) {
      return List.of();
    }
    if (health == Health.DOWN) {
      return all(group, error("rule service down", Map.of("url", url)));
    }
    String body;
    try {
      body =
          mapper.writeValueAsString(
              new RemoteScoreRequest(group.stream().map(RemoteRule::item).toList()));
    } catch (JacksonException e) {
      return all(group, error("could not encode the items", Map.of("message", msg(e))));
    }
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url + RemoteRuleProtocol.SCORE_PATH))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    boolean admitted;
    try {
      admitted = admit();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return all(group, RuleResult.timeout("the call to remote rule " + name + " was interrupted"));
    }
    if (!admitted) {
      return all(
          group,
          RuleResult.timeout(
              "remote rule "
                  + name
                  + " has "
                  + limits.maxConcurrentCalls()
                  + " calls in flight already (its bulkhead is full)"));
    }
    HttpResponse<String> response;
    long[] since = {System.nanoTime()};
    inFlightSince.add(since);
    try {
      response = call(request);
    } catch (TimeoutException | HttpTimeoutException e) {
      return all(
          group,
          RuleResult.timeout(
              "remote rule " + name + " did not answer within " + timeout.toMillis() + " ms"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return all(group, RuleResult.timeout("the call to remote rule " + name + " was interrupted"));
    } catch (BoundedBody.TooLargeException e) {
      return all(group, brokeContract(e.getMessage()));
    } catch (IOException e) {
      return all(group, error("remote rule " + name + " could not be called", Map.of()));
    } finally {
      inFlightSince.remove(since);
      bulkhead.release();
    }
    if (response.statusCode() / 100 != 2) {
      return all(
          group,
          error(
              "remote rule " + name + " answered HTTP " + response.statusCode(),
              Map.of("status", response.statusCode(), "body", truncate(response.body()))));
    }
    return parse(response.body(), group);
  }

  /**
   * The whole exchange, answer included, within the registered timeout (the client's own timeout
   * stops at the headers); the download is abandoned on timeout or interrupt.
   */
  private HttpResponse<String> call(HttpRequest request)
      throws IOException, InterruptedException, TimeoutException {
    CompletableFuture<HttpResponse<String>> future =
        http.sendAsync(request, BoundedBody.handler(limits.maxResponseBytes()));
    try {
      return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException(e.getCause());
    } finally {
      future.cancel(true);
    }
  }

  private List<RuleResult> parse(String body, List<RuleInput> group) {
    JsonNode results;
    try {
      JsonNode root = mapper.readTree(body);
      results = root == null ? null : root.get("results");
    } catch (JacksonException e) {
      return all(group, brokeContract("the answer is not JSON"));
    }
    if (results == null || !results.isArray()) {
      return all(group, brokeContract("the answer has no results array"));
    }
    if (results.size() != group.size()) {
      return all(
          group,
          brokeContract(
              "sent " + group.size() + " items, got " + results.size() + " results back"));
    }
    List<RuleResult> out = new ArrayList<>(group.size());
    for (int i = 0; i < results.size(); i++) {
      out.add(result(results.get(i), i));
    }
    return out;
  }

  private RuleResult result(JsonNode node, int index) {
    if (node == null || !node.isObject()) {
      return brokeContract("result " + index + " is not an object");
    }
    JsonNode statusNode = node.get("status");
    RuleStatus status;
    try {
      status = RuleStatus.valueOf(statusNode == null ? "" : statusNode.asString());
    } catch (IllegalArgumentException e) {
      return brokeContract("result " + index + " has no valid status");
    }
    Map<String, Object> details = new LinkedHashMap<>();
    JsonNode detailsNode = node.get("details");
    if (detailsNode != null && detailsNode.isObject()) {
      @SuppressWarnings("unchecked")
      Map<String, Object> map = mapper.convertValue(detailsNode, Map.class);
      details.putAll(map);
    }
    JsonNode score = node.get("score");
    boolean hasScore = score != null && !score.isNull();
    // checked on the JSON, not after binding: a score sent as text is a broken contract, not a
    // number to coerce
    if (hasScore && !score.isNumber()) {
      return brokeContract("result " + index + " has a score that is not a number");
    }
    try {
      status.checkScore(hasScore ? score.asDouble() : null);
    } catch (IllegalArgumentException wrong) {
      return brokeContract("result " + index + ": " + wrong.getMessage());
    }
    if (hasScore && Math.abs(score.asDouble()) > limits.maxAbsScore()) {
      return brokeContract(
          "result " + index + " has a score beyond ±" + limits.maxAbsScore() + ": " + score);
    }
    if (status != RuleStatus.OK) {
      details.putIfAbsent("reason", "remote rule " + name + " answered " + status);
    }
    return new RuleResult(status, hasScore ? score.asDouble() : null, details);
  }

  private RuleResult brokeContract(String problem) {
    return error("remote rule broke the contract", Map.of("rule", name, "problem", problem));
  }

  private static RuleResult error(String reason, Map<String, Object> details) {
    return RuleResult.error(reason, details);
  }

  private static RemoteScoreRequest.Item item(RuleInput input) {
    RuleInput.Reference ref = input.reference();
    return new RemoteScoreRequest.Item(
        input.id(),
        input.prompt(),
        input.completion(),
        ref == null
            ? null
            : new RemoteScoreRequest.Reference(ref.answer(), ref.tests(), ref.language()));
  }

  private static List<RuleResult> all(List<RuleInput> group, RuleResult result) {
    return Collections.nCopies(group.size(), result);
  }

  private static String msg(Exception e) {
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m;
  }

  private static String truncate(String s) {
    if (s == null) {
      return "";
    }
    return s.length() > 500 ? s.substring(0, 500) + "…" : s;
  }
}
