package dev.grpo.reward.remote;

import dev.grpo.api.problem.FieldProblem;
import dev.grpo.api.reward.remote.RegisterRuleRequest;
import dev.grpo.api.reward.remote.RemoteRuleInfo;
import dev.grpo.api.reward.remote.RemoteRuleProtocol;
import dev.grpo.ledger.rule.RewardRuleRegistration;
import dev.grpo.ledger.rule.RewardRuleRegistrationRepository;
import dev.grpo.reward.config.RewardProperties;
import dev.grpo.reward.remote.RemoteRule.Health;
import dev.grpo.reward.rule.ConfigurableRule;
import dev.grpo.reward.rule.RuleRegistry;
import dev.grpo.web.ApiException;
import dev.grpo.web.InvalidRequestException;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import tools.jackson.databind.ObjectMapper;

/**
 * Registers remote rules in the ledger and in the {@link RuleRegistry}, loads the enabled ones at
 * start-up, and checks their health periodically (in memory: UP / DOWN).
 *
 * <p>The registry knows rules by name, so one name has at most one enabled version: registering
 * another version of an enabled name is a conflict until the old one is deleted.
 */
@Service
public class RemoteRuleService {

  private static final Logger log = LoggerFactory.getLogger(RemoteRuleService.class);

  private final RewardRuleRegistrationRepository repository;
  private final RuleRegistry registry;
  private final RemoteRuleProperties properties;
  private final ObjectMapper mapper;
  private final RuleUrlAllowList allowList;
  private final RemoteCallLimits limits;
  private final Clock clock = Clock.systemUTC();
  private final HttpClient http =
      HttpClient.newBuilder()
          // plain HTTP/1.1: no h2c upgrade attempt, which makes the JDK client hold concurrent
          // calls to a rule until the first call's upgrade is settled
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();
  private final Map<String, RemoteRule> remoteByName = new ConcurrentHashMap<>();
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "remote-rule-health");
            t.setDaemon(true);
            return t;
          });

  public RemoteRuleService(
      RewardRuleRegistrationRepository repository,
      RuleRegistry registry,
      RemoteRuleProperties properties,
      RewardProperties rewardProperties,
      ObjectMapper mapper) {
    this.repository = repository;
    this.registry = registry;
    this.properties = properties;
    this.mapper = mapper;
    this.allowList = new RuleUrlAllowList(properties.allowedHosts());
    int bulkhead =
        properties.maxConcurrentCalls() > 0
            ? properties.maxConcurrentCalls()
            : Math.max(1, rewardProperties.effectiveScoringThreads() - 1);
    this.limits =
        new RemoteCallLimits(
            properties.maxResponseSize().toBytes(),
            properties.maxAbsScore(),
            bulkhead,
            properties.bulkheadWait(),
            properties.stuckAfter());
  }

  @PostConstruct
  void start() {
    for (RewardRuleRegistration reg : repository.findByEnabledTrueOrderByName()) {
      Optional<ConfigurableRule<?>> existing = registry.find(reg.getName());
      if (existing.isPresent()) {
        log.warn(
            "remote rule {} {} is not loaded: a built-in rule has that name",
            reg.getName(),
            reg.getVersion());
        continue;
      }
      if (remoteByName.containsKey(reg.getName())) {
        log.warn(
            "remote rule {} {} is not loaded: another version of it is enabled",
            reg.getName(),
            reg.getVersion());
        continue;
      }
      add(toRule(reg, Health.UNKNOWN));
    }
    long interval = Math.max(1, properties.healthInterval().toMillis());
    scheduler.scheduleWithFixedDelay(this::checkAll, 0, interval, TimeUnit.MILLISECONDS);
  }

  @PreDestroy
  void stop() {
    scheduler.shutdownNow();
  }

  /** The registration and whether it was created now (false: it existed with the same body). */
  public record Registered(RemoteRuleInfo info, boolean created) {}

  /**
   * Registers a rule after its health check. The check (and, when it fails, the wait to the end of
   * its timeout) runs outside the service's lock, so a slow or failing URL never holds up other
   * registrations and deletions; the conflicts are checked again under the lock before saving.
   */
  public Registered register(RegisterRuleRequest request) {
    String url = RemoteRule.stripSlash(request.url().trim());
    validate(request.name(), url);
    synchronized (this) {
      Registered same = alreadyRegistered(request, url);
      if (same != null) {
        return same;
      }
    }
    Duration timeout = Duration.ofMillis(request.timeoutMs());
    long checkStarted = System.nanoTime();
    String failure = healthProblem(url, timeout);
    if (failure != null) {
      // the same words whatever went wrong, and the same time: a refused connection, a timeout
      // and an HTTP status would otherwise tell open ports from closed ones (the refusal is
      // answered only once the check's whole timeout has passed)
      sleepUntil(checkStarted + timeout.toNanos());
      log.info("registration of {} refused: GET {}/health {}", request.name(), url, failure);
      throw new ApiException(
          HttpStatus.UNPROCESSABLE_CONTENT,
          "rule-health-check-failed",
          "url: GET " + url + "/health did not answer 2xx within " + timeout.toMillis() + " ms");
    }
    synchronized (this) {
      Registered same = alreadyRegistered(request, url);
      if (same != null) {
        return same;
      }
      Optional<RewardRuleRegistration> existing =
          repository.findByNameAndVersion(request.name(), request.version());
      RewardRuleRegistration reg;
      boolean created;
      if (existing.isPresent()) {
        reg = existing.get();
        reg.setEnabled(true, clock.instant());
        created = false;
      } else {
        reg =
            new RewardRuleRegistration(
                request.name(), request.version(), url, request.timeoutMs(), clock.instant());
        created = true;
      }
      try {
        reg = repository.saveAndFlush(reg);
      } catch (DataIntegrityViolationException race) {
        throw ApiException.conflict(
            "rule-registration-conflict",
            "rule "
                + request.name()
                + " version "
                + request.version()
                + " was registered meanwhile");
      }
      RemoteRule added = toRule(reg, Health.UP);
      describe(added);
      add(added);
      return new Registered(info(reg), created);
    }
  }

  /**
   * The registration when this exact one is enabled already (an idempotent repeat), null when it
   * may go ahead; throws 409 when it conflicts with what is registered.
   */
  private Registered alreadyRegistered(RegisterRuleRequest request, String url) {
    Optional<RewardRuleRegistration> existing =
        repository.findByNameAndVersion(request.name(), request.version());
    if (existing.isPresent()) {
      RewardRuleRegistration reg = existing.get();
      if (!reg.getUrl().equals(url) || reg.getTimeoutMillis() != request.timeoutMs()) {
        throw ApiException.conflict(
            "rule-registration-conflict",
            "rule "
                + reg.getName()
                + " version "
                + reg.getVersion()
                + " is already registered with url "
                + reg.getUrl()
                + " and timeoutMs "
                + reg.getTimeoutMillis()
                + "; register a new version instead");
      }
      if (reg.isEnabled() && remoteByName.containsKey(reg.getName())) {
        return new Registered(info(reg), false);
      }
    }
    RemoteRule other = remoteByName.get(request.name());
    if (other != null && !other.version().equals(request.version())) {
      throw ApiException.conflict(
          "rule-registration-conflict",
          "version "
              + other.version()
              + " of rule "
              + request.name()
              + " is registered; delete it before registering version "
              + request.version());
    }
    return null;
  }

  public synchronized void delete(String name, String version) {
    RewardRuleRegistration reg =
        repository
            .findByNameAndVersion(name, version)
            .orElseThrow(() -> ApiException.notFound("remote rule", name + " " + version));
    if (reg.isEnabled()) {
      reg.setEnabled(false, clock.instant());
      repository.saveAndFlush(reg);
    }
    RemoteRule rule = remoteByName.get(name);
    if (rule != null && rule.version().equals(version)) {
      remoteByName.remove(name, rule);
      registry.remove(name, rule);
    }
  }

  /** The enabled remote rules, by name. */
  public List<RemoteRule> rules() {
    return List.copyOf(remoteByName.values());
  }

  /** Runs one health check of every registered rule now. */
  public void checkAll() {
    for (RemoteRule rule : new ArrayList<>(remoteByName.values())) {
      try {
        String problem = healthProblem(rule.url(), rule.timeout());
        Health next = problem == null ? Health.UP : Health.DOWN;
        if (next != rule.health()) {
          log.info(
              "remote rule {} {} is {}{}",
              rule.name(),
              rule.version(),
              next,
              problem == null ? "" : ": " + problem);
        }
        rule.health(next);
        if (next == Health.UP) {
          describe(rule);
        }
      } catch (RuntimeException e) {
        rule.health(Health.DOWN);
      }
    }
  }

  private void add(RemoteRule rule) {
    RemoteRule previous = remoteByName.put(rule.name(), rule);
    if (previous != null) {
      registry.remove(previous.name(), previous);
    }
    registry.register(rule);
  }

  private RemoteRule toRule(RewardRuleRegistration reg, Health health) {
    return new RemoteRule(
        reg.getName(),
        reg.getVersion(),
        reg.getUrl(),
        Duration.ofMillis(reg.getTimeoutMillis()),
        health,
        http,
        mapper,
        limits);
  }

  private RemoteRuleInfo info(RewardRuleRegistration reg) {
    RemoteRule rule = remoteByName.get(reg.getName());
    String health =
        rule != null && rule.version().equals(reg.getVersion())
            ? rule.health().name()
            : Health.UNKNOWN.name();
    return new RemoteRuleInfo(
        reg.getName(),
        reg.getVersion(),
        reg.getUrl(),
        reg.getTimeoutMillis(),
        reg.isEnabled(),
        health,
        true);
  }

  private void validate(String name, String url) {
    List<FieldProblem> problems = new ArrayList<>();
    Optional<ConfigurableRule<?>> same = registry.find(name);
    if (same.isPresent() && !(same.get() instanceof RemoteRule)) {
      problems.add(new FieldProblem("name", "is the name of a built-in rule"));
    }
    String urlProblem = urlProblem(url);
    if (urlProblem != null) {
      problems.add(new FieldProblem("url", urlProblem));
    }
    if (!problems.isEmpty()) {
      throw new InvalidRequestException(problems);
    }
  }

  private String urlProblem(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return "is not a valid URL";
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      return "must be an http or https URL";
    }
    if (uri.getHost() == null) {
      return "must name a host";
    }
    if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      return "must not carry user info, a query or a fragment";
    }
    if (!allowList.admits(uri)) {
      return "host, port and path are not on the allow-list (grpo.reward.remote.allowed-hosts: "
          + String.join(",", properties.allowedHosts())
          + ")";
    }
    return null;
  }

  private static void sleepUntil(long nanoTime) {
    long left = nanoTime - System.nanoTime();
    if (left > 0) {
      try {
        TimeUnit.NANOSECONDS.sleep(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The longest wait for {@code GET {url}/rule}. */
  private static final java.time.Duration DESCRIBE_TIMEOUT = java.time.Duration.ofSeconds(2);

  /** The most bytes of {@code GET {url}/rule} read for a rule's settings. */
  private static final int MAX_DESCRIPTION_BYTES = 64 * 1024;

  /**
   * Reads the settings a reward-rule-starter service reports at {@code GET {url}/rule} ({@code
   * params}, when its {@code name} and {@code version} are the registered ones) for {@code GET
   * /api/v1/rules}. Optional: a service without that endpoint, or any failure, leaves the rule's
   * settings as they were and never touches its health.
   */
  private void describe(RemoteRule rule) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(rule.url() + "/rule"))
            // optional and read while registering: a service slow to describe itself must not hold
            // its registration for the whole of the rule's scoring budget
            .timeout(
                rule.timeout().compareTo(DESCRIBE_TIMEOUT) < 0 ? rule.timeout() : DESCRIBE_TIMEOUT)
            .GET()
            .build();
    try {
      HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
      if (response.statusCode() != 200 || response.body().length > MAX_DESCRIPTION_BYTES) {
        return;
      }
      tools.jackson.databind.JsonNode body = mapper.readTree(response.body());
      if (body.path("name").asString("").equals(rule.name())
          && body.path("version").asString("").equals(rule.version())
          && body.path("params").isObject()) {
        @SuppressWarnings("unchecked")
        Map<String, Object> params = mapper.convertValue(body.get("params"), Map.class);
        rule.serviceParams(params);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.io.IOException | RuntimeException e) {
      log.debug("GET {}/rule: {}", rule.url(), e.toString());
    }
  }

  /** Null when {@code GET {url}/health} answers 2xx within the timeout, else what went wrong. */
  private String healthProblem(String url, Duration timeout) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url + RemoteRuleProtocol.HEALTH_PATH))
            .timeout(timeout)
            .GET()
            .build();
    try {
      HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
      return response.statusCode() / 100 == 2 ? null : "answered HTTP " + response.statusCode();
    } catch (java.net.http.HttpTimeoutException e) {
      return "did not answer within " + timeout.toMillis() + " ms";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "was interrupted";
    } catch (java.io.IOException | RuntimeException e) {
      return "failed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    }
  }
}
