package dev.grpo.reward.llmjudge;

import dev.grpo.reward.math.MathAccuracyRule;
import dev.grpo.reward.rule.CompletionFault;
import dev.grpo.reward.rule.ConfigurableRule;
import dev.grpo.reward.rule.InvalidParamException;
import dev.grpo.reward.rule.ParamSchema;
import dev.grpo.reward.rule.ParamSpec;
import dev.grpo.reward.rule.ParamType;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;

/**
 * {@code llm_judge}: 1 when a chat model, asked with a versioned template, says the completion's
 * final answer is equivalent to {@code reference.answer}, 0 when it says it is not.
 *
 * <p>In {@code cascade} mode (the default) {@code math_accuracy} decides wherever it can and the
 * judge is asked only where the verifier cannot read the gold or the located answer ({@link
 * MathAccuracyRule#undecided}); {@code judge} mode asks the judge for every answer. Only the
 * completion's final answer (answer block, else last box) is sent, never its reasoning, fenced by
 * nonce tags; an answer that speaks the judge's protocol scores 0 without a call, and one over
 * {@code max_answer_chars} is the completion's fault (the minimum). A reply without a single
 * verdict line is {@code ERROR} ("unparsable verdict"), never a 0; a judge that does not answer in
 * the budget is {@code TIMEOUT}. Verdicts are cached by content hash.
 *
 * <p>Endpoints are the operator's ({@code grpo.reward.judge.endpoints}); a run names one.
 */
public final class LlmJudgeRule implements ConfigurableRule<LlmJudgeRule.Params> {

  static final String CASCADE = "cascade";
  static final String JUDGE = "judge";
  private static final int MAX_REPLY_IN_DETAILS = 300;
  private static final SecureRandom NONCES = new SecureRandom();

  private static final ParamSchema SCHEMA =
      ParamSchema.of(
          new ParamSpec(
              "endpoint", ParamType.STRING, "default", "configured judge endpoint to call"),
          new ParamSpec(
              "template",
              ParamType.STRING,
              JudgeTemplate.ANSWER_EQUIVALENCE_V2.id(),
              "prompt template, id/version: " + String.join(", ", JudgeTemplate.ids())),
          new ParamSpec(
              "mode",
              ParamType.STRING,
              CASCADE,
              "cascade: math_accuracy decides where it can, the judge the rest; judge: always"
                  + " the judge"),
          new ParamSpec(
              "max_answer_chars",
              ParamType.INTEGER,
              300,
              "a longer final answer is the completion's fault (scores the minimum)"),
          new ParamSpec(
              "budget_ms",
              ParamType.INTEGER,
              20_000,
              "time for one item, waiting for a slot and retries included"),
          new ParamSpec(
              "use_answer_tag",
              ParamType.BOOLEAN,
              true,
              "read the answer from the last <answer>…</answer> block when there is one"));

  /** Typed params; see the schema. */
  public record Params(
      JudgeEndpoint endpoint,
      JudgeTemplate template,
      boolean cascade,
      int maxAnswerChars,
      Duration budget,
      boolean useAnswerTag,
      MathAccuracyRule.Params verifier) {}

  private final Map<String, JudgeEndpoint> endpoints;
  private final VerdictCache cache;
  private final MeterRegistry meters;
  private final MathAccuracyRule math = new MathAccuracyRule();
  private final String version;

  /**
   * @param endpoints by name; may be empty (every use is then a 400 naming {@code endpoint})
   * @param cacheSize verdicts kept; 0 caches none
   */
  public LlmJudgeRule(List<JudgeEndpoint> endpoints, int cacheSize, MeterRegistry meters) {
    Map<String, JudgeEndpoint> byName = new TreeMap<>();
    for (JudgeEndpoint e : endpoints) {
      if (byName.put(e.settings().name(), e) != null) {
        throw new IllegalArgumentException("two judge endpoints named " + e.settings().name());
      }
    }
    this.endpoints = Map.copyOf(byName);
    this.cache = new VerdictCache(cacheSize);
    this.meters = meters;
    this.version = "1+" + configurationHash(byName);
  }

  @Override
  public String name() {
    return "llm_judge";
  }

  /**
   * {@code 1+<hash>}: the hash covers each endpoint's name and model and the math verifier's
   * version, so a changed judge model changes the version stored with every reward.
   */
  @Override
  public String version() {
    return version;
  }

  @Override
  public String description() {
    return "1 if a judge model says the final answer equals reference.answer, else 0; in cascade"
        + " mode only where math_accuracy cannot decide.";
  }

  @Override
  public ParamSchema paramSchema() {
    return SCHEMA;
  }

  @Override
  public Params parseParams(Map<String, ?> rawParams) {
    ParamSchema.Values v = SCHEMA.parse(rawParams);
    String endpointName = v.getString("endpoint");
    JudgeEndpoint endpoint = endpoints.get(endpointName);
    if (endpoint == null) {
      throw new InvalidParamException(
          "endpoint",
          "no judge endpoint '"
              + endpointName
              + "' is configured (grpo.reward.judge.endpoints: "
              + (endpoints.isEmpty() ? "none" : String.join(", ", endpoints.keySet()))
              + ")");
    }
    String templateId = v.getString("template");
    JudgeTemplate template =
        JudgeTemplate.byId(templateId)
            .orElseThrow(
                () ->
                    new InvalidParamException(
                        "template",
                        "unknown template '"
                            + templateId
                            + "'; one of "
                            + String.join(", ", JudgeTemplate.ids())));
    String mode = v.getString("mode");
    if (!CASCADE.equals(mode) && !JUDGE.equals(mode)) {
      throw new InvalidParamException("mode", "must be cascade or judge, got '" + mode + "'");
    }
    boolean answerTag = v.getBoolean("use_answer_tag");
    return new Params(
        endpoint,
        template,
        CASCADE.equals(mode),
        v.getInteger("max_answer_chars", 1, 4000),
        Duration.ofMillis(v.getInteger("budget_ms", 100, 60_000)),
        answerTag,
        math.parseParams(Map.of("use_answer_tag", answerTag)));
  }

  @Override
  public Duration timeBudget(Params params, Duration ruleTimeout) {
    Duration own = params.budget().plusMillis(200);
    return own.compareTo(ruleTimeout) > 0 ? own : ruleTimeout;
  }

  @Override
  public RuleResult score(RuleInput input, Params p) {
    String gold = input.reference() == null ? null : input.reference().answer();
    if (gold == null || gold.isBlank()) {
      return RuleResult.notApplicable("the item has no reference.answer");
    }
    long deadline = System.nanoTime() + p.budget().toNanos();
    if (p.cascade()) {
      RuleResult verdict = math.score(input, p.verifier());
      if (!MathAccuracyRule.undecided(verdict)) {
        count("verifier");
        return withDetail(verdict, "decidedBy", "verifier");
      }
    }
    Optional<String> located;
    try {
      located =
          MathAccuracyRule.finalAnswer(
              input.completion(),
              p.useAnswerTag(),
              Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
    } catch (TimeoutException e) {
      return RuleResult.timeout(e.getMessage());
    }
    String answer = located.map(a -> JudgeTemplate.normalized(a).strip()).orElse("");
    if (answer.isEmpty()) {
      count("no_answer");
      return zero("no answer block and no \\boxed{} in the completion", answer);
    }
    if (answer.length() > p.maxAnswerChars()) {
      count("over_size");
      return CompletionFault.of(
          CompletionFault.Kind.OVER_SIZE,
          "final answer longer than " + p.maxAnswerChars() + " characters");
    }
    if (MathAccuracyRule.restatesPrompt(answer, input.prompt())) {
      count("restates_prompt");
      return zero("the answer only restates the prompt", answer);
    }
    if (JudgeTemplate.addressesTheJudge(answer)) {
      count("addresses_judge");
      return zero("the answer speaks to the grader (verdict words or a closing tag)", answer);
    }
    String question = input.prompt() == null ? "" : input.prompt();
    String key = VerdictCache.key(p.template().id(), endpointIdentity(p), question, gold, answer);
    Boolean cached = cache.get(key);
    if (cached != null) {
      count("cached");
      return judged(cached, p, answer, true);
    }
    String reply = null;
    Optional<Boolean> verdict = Optional.empty();
    // a reply without its verdict line is asked again once, with a fresh nonce
    for (int attempt = 0; attempt < 2 && verdict.isEmpty(); attempt++) {
      String nonce = HexFormat.of().formatHex(nonce());
      try {
        reply = p.endpoint().complete(p.template().render(nonce, question, gold, answer), deadline);
      } catch (JudgeEndpoint.CallFailed e) {
        count(e.timedOut() ? "timeout" : "error");
        return e.timedOut() ? RuleResult.timeout(e.getMessage()) : RuleResult.error(e.getMessage());
      }
      verdict = JudgeTemplate.verdict(reply);
    }
    if (verdict.isEmpty()) {
      count("unparsable");
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("endpoint", p.endpoint().settings().name());
      d.put("reply", reply.length() > MAX_REPLY_IN_DETAILS ? reply.substring(0, 300) : reply);
      return RuleResult.error("unparsable verdict: the reply does not end in one verdict line", d);
    }
    cache.put(key, verdict.get());
    count(verdict.get() ? "equivalent" : "not_equivalent");
    return judged(verdict.get(), p, answer, false);
  }

  private static RuleResult judged(boolean equivalent, Params p, String answer, boolean cached) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("decidedBy", "judge");
    d.put("verdict", equivalent ? "EQUIVALENT" : "NOT_EQUIVALENT");
    d.put("prediction", answer);
    d.put("endpoint", p.endpoint().settings().name());
    d.put("model", p.endpoint().settings().model());
    d.put("template", p.template().id());
    d.put("cached", cached);
    return RuleResult.ok(equivalent ? 1.0 : 0.0, d);
  }

  private static RuleResult zero(String why, String answer) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("decidedBy", "rule");
    if (!answer.isEmpty()) {
      d.put("prediction", answer);
    }
    d.put("detail", why);
    return RuleResult.ok(0.0, d);
  }

  private static RuleResult withDetail(RuleResult r, String key, Object value) {
    Map<String, Object> d = new LinkedHashMap<>(r.details());
    d.put(key, value);
    return new RuleResult(r.status(), r.score(), d);
  }

  private void count(String outcome) {
    Counter.builder("reward.judge.items")
        .description("llm_judge items by who decided and how: verifier, cached, equivalent, …")
        .tag("outcome", outcome)
        .register(meters)
        .increment();
  }

  private static byte[] nonce() {
    byte[] b = new byte[8];
    NONCES.nextBytes(b);
    return b;
  }

  /** What decides an endpoint's verdicts: its name, URL, model and reply limit. */
  private static String endpointIdentity(Params p) {
    return identity(p.endpoint().settings());
  }

  private static String identity(JudgeEndpoint.Settings s) {
    return s.name() + "|" + s.url() + "|" + s.model() + "|" + s.maxTokens();
  }

  private String configurationHash(Map<String, JudgeEndpoint> byName) {
    StringBuilder s = new StringBuilder(math.name()).append('@').append(math.version());
    JudgeTemplate.ids().forEach(t -> s.append('|').append(t));
    byName.values().forEach(e -> s.append('|').append(identity(e.settings())));
    try {
      byte[] h =
          MessageDigest.getInstance("SHA-256")
              .digest(s.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h, 0, 4);
    } catch (NoSuchAlgorithmException impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  /** How many verdicts the cache holds now. */
  int cachedVerdicts() {
    return cache.size();
  }
}
