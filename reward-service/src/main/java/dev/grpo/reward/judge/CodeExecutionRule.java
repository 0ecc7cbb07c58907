package dev.grpo.reward.judge;

import dev.grpo.reward.rule.ConfigurableRule;
import dev.grpo.reward.rule.InvalidParamException;
import dev.grpo.reward.rule.ParamSchema;
import dev.grpo.reward.rule.ParamSpec;
import dev.grpo.reward.rule.ParamType;
import dev.grpo.reward.sandbox.Language;
import dev.grpo.reward.sandbox.SandboxBusyException;
import dev.grpo.reward.sandbox.SandboxPolicy;
import dev.grpo.reward.sandbox.SandboxService;
import dev.grpo.rule.RuleInput;
import dev.grpo.rule.RuleResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import tools.jackson.databind.json.JsonMapper;

/**
 * DeepSeek-R1's code reward: the last fenced code block of the completion is compiled and run in
 * the sandbox against the item's {@code reference.tests}; the score is the fraction of cases passed
 * (or all-or-nothing, or the first K cases). A sandbox failure is an {@code ERROR}, never a 0: the
 * model is not punished for the infrastructure.
 *
 * <p>{@code reference.tests} takes any of these shapes:
 *
 * <ul>
 *   <li>a list of cases, or {@code {"language": "python", "cases": [...]}};
 *   <li>a case is {@code {"input": "1 2", "output": "3"}} (stdin/stdout; {@code "comparison"}:
 *       {@code default | exact | float:1e-6}), {@code {"call": "add", "args": [1, 2], "expected":
 *       3}} (a Python function call) or {@code {"assert": "assert add(1, 2) == 3"}};
 *   <li>APPS/TACO style {@code {"inputs": [...], "outputs": [...]}}, with {@code "fn_name"} for
 *       call-based problems (each input is then the argument list).
 * </ul>
 */
public final class CodeExecutionRule implements ConfigurableRule<CodeExecutionRule.Params> {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static final ParamSchema SCHEMA =
      ParamSchema.of(
          new ParamSpec(
              "language",
              ParamType.STRING,
              null,
              "python, c, cpp, java or javascript; when absent, the code fence's tag, then the"
                  + " tests' language"),
          new ParamSpec(
              "scoring",
              ParamType.STRING,
              "fraction",
              List.of("fraction", "all_or_nothing"),
              "fraction of cases passed, or 1 only when every case passes"),
          new ParamSpec("first_k", ParamType.INTEGER, 0, "judge only the first K cases; 0 = all"),
          new ParamSpec("run_timeout_ms", ParamType.INTEGER, 2000, "wall time of one test run"),
          new ParamSpec("compile_timeout_ms", ParamType.INTEGER, 10000, "wall time of compiling"),
          new ParamSpec("memory_mb", ParamType.INTEGER, 512, "address-space limit of a run"),
          new ParamSpec("max_cases", ParamType.INTEGER, 64, "items with more cases are refused"));

  /** Typed params; see the schema for their meaning. */
  public record Params(
      Language language,
      JudgeOptions.Scoring scoring,
      int firstK,
      Duration runTimeout,
      Duration compileTimeout,
      int memoryMb,
      int maxCases) {}

  private final SandboxService sandbox;

  public CodeExecutionRule(SandboxService sandbox) {
    this.sandbox = sandbox;
  }

  @Override
  public String name() {
    return "code_execution";
  }

  @Override
  public String version() {
    return "1.0";
  }

  @Override
  public String description() {
    return "Compiles and runs the completion's last fenced code block in the sandbox against the"
        + " item's tests; the fraction of cases passed.";
  }

  @Override
  public ParamSchema paramSchema() {
    return SCHEMA;
  }

  @Override
  public Params parseParams(Map<String, ?> rawParams) {
    ParamSchema.Values v = SCHEMA.parse(rawParams);
    Language language = null;
    if (v.getString("language") != null) {
      language =
          Language.parse(v.getString("language"))
              .orElseThrow(
                  () ->
                      new InvalidParamException(
                          "language", "must be one of: python, c, cpp, java, javascript"));
    }
    int firstK = v.getInteger("first_k", 0, Integer.MAX_VALUE);
    // the service's ceilings: a rule config cannot lift them
    int run = v.getInteger("run_timeout_ms", 1, (int) (SandboxPolicy.MAX_RUN_SECONDS * 1000));
    int compile =
        v.getInteger("compile_timeout_ms", 1, (int) (SandboxPolicy.MAX_COMPILE_SECONDS * 1000));
    int memory = v.getInteger("memory_mb", 16, SandboxPolicy.MAX_MEMORY_MB);
    int maxCases = v.getInteger("max_cases", 1, 256);
    return new Params(
        language,
        v.getString("scoring").equals("all_or_nothing")
            ? JudgeOptions.Scoring.ALL_OR_NOTHING
            : JudgeOptions.Scoring.FRACTION,
        firstK,
        Duration.ofMillis(run),
        Duration.ofMillis(compile),
        memory,
        maxCases);
  }

  @Override
  public Duration timeBudget(Params params, Duration ruleTimeout) {
    // compile once, then every case, plus the sandbox's own start-up per process
    Duration perCase = params.runTimeout().plusMillis(250);
    return params
        .compileTimeout()
        .plus(perCase.multipliedBy(params.maxCases()))
        .plusSeconds(2)
        .plus(ruleTimeout);
  }

  @Override
  public RuleResult score(RuleInput input, Params params) {
    Object rawTests = input.tests();
    if (rawTests == null) {
      return RuleResult.notApplicable("the item has no reference.tests");
    }
    ParsedTests tests;
    try {
      tests = parseTests(rawTests);
    } catch (IllegalArgumentException e) {
      return RuleResult.invalidInput("reference.tests: " + e.getMessage());
    }
    if (tests.cases().isEmpty()) {
      return RuleResult.invalidInput("reference.tests holds no test case");
    }
    if (tests.cases().size() > params.maxCases()) {
      return RuleResult.invalidInput(
          "reference.tests holds "
              + tests.cases().size()
              + " cases, more than max_cases "
              + params.maxCases());
    }
    Optional<FencedCode> code = FencedCode.last(input.completion());
    if (code.isEmpty()) {
      // the model wrote no program: that is its fault, and scores 0
      return RuleResult.ok(0.0, Map.of("reason", "no fenced code block in the completion"));
    }
    Language language = language(params, code.get(), tests);
    if (language == null) {
      return RuleResult.invalidInput(
          "no language: set the language param, tag the code fence, or give tests.language");
    }
    boolean callCases = tests.cases().stream().anyMatch(c -> !(c instanceof TestCase.Stdio));
    if (callCases && language != Language.PYTHON) {
      return RuleResult.invalidInput("function-call and assert cases need python, not " + language);
    }
    if (!sandbox.availability().available()) {
      return RuleResult.error(
          "the sandbox is not available: " + sandbox.availability().reason(), Map.of());
    }
    return judge(code.get().code(), language, tests.cases(), params);
  }

  /** The language param, else the code fence's tag, else the tests' language; null if none. */
  private static Language language(Params params, FencedCode code, ParsedTests tests) {
    if (params.language() != null) {
      return params.language();
    }
    Language tagged = code.tag() == null ? null : Language.parse(code.tag()).orElse(null);
    return tagged != null ? tagged : tests.language();
  }

  /** Runs the cases on the sandbox's queue, within the rule's budget. */
  private RuleResult judge(String code, Language language, List<TestCase> cases, Params params) {
    JudgeOptions options =
        new JudgeOptions(
            params.scoring(),
            params.firstK(),
            SandboxPolicy.compileDefaults().withWallTimeout(params.compileTimeout()),
            SandboxPolicy.runDefaults()
                .withWallTimeout(params.runTimeout())
                .withMemoryMb(params.memoryMb()));
    JudgeReport report;
    try {
      report =
          sandbox
              .executor()
              .submit(
                  () -> new TestCaseJudge(sandbox.sandbox()).judge(code, language, cases, options))
              .get(timeBudget(params, Duration.ZERO).toMillis(), TimeUnit.MILLISECONDS);
    } catch (SandboxBusyException e) {
      return RuleResult.error(
          "the sandbox is busy; retry after " + e.retryAfter().toMillis() + " ms", Map.of());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return RuleResult.timeout("interrupted while the sandbox ran the tests");
    } catch (TimeoutException e) {
      return RuleResult.timeout("the sandbox did not finish within the rule's budget");
    } catch (ExecutionException e) {
      return RuleResult.error("the sandbox failed: " + e.getCause(), Map.of());
    }
    return result(report, language);
  }

  /** The fraction passed with the per-case outcomes; ERROR, never a score, on a sandbox error. */
  private static RuleResult result(JudgeReport report, Language language) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("language", language.name().toLowerCase());
    details.put("passed", report.passed());
    details.put("cases", report.cases().size());
    List<String> outcomes = new ArrayList<>();
    report.cases().forEach(c -> outcomes.add(c.outcome().name()));
    details.put("outcomes", outcomes);
    if (report.status() == JudgeReport.Status.SANDBOX_ERROR || report.score().isEmpty()) {
      return RuleResult.error("sandbox error: " + report.message(), details);
    }
    return RuleResult.ok(report.score().getAsDouble(), details);
  }

  /** The cases of an item, and the language its tests name if any. */
  record ParsedTests(Language language, List<TestCase> cases) {}

  static ParsedTests parseTests(Object raw) {
    if (raw instanceof String s) {
      raw = JSON.readValue(s, Object.class);
    }
    Language language = null;
    List<?> cases;
    if (raw instanceof List<?> list) {
      cases = list;
    } else if (raw instanceof Map<?, ?> map) {
      if (map.get("language") instanceof String l) {
        language =
            Language.parse(l)
                .orElseThrow(() -> new IllegalArgumentException("unknown language " + l));
      }
      if (map.get("inputs") instanceof List<?> inputs
          && map.get("outputs") instanceof List<?> out) {
        return new ParsedTests(language, appsCases(inputs, out, map.get("fn_name")));
      }
      if (!(map.get("cases") instanceof List<?> list)) {
        throw new IllegalArgumentException("expected a list of cases, 'cases', or inputs/outputs");
      }
      cases = list;
    } else {
      throw new IllegalArgumentException("expected a list or an object");
    }
    List<TestCase> parsed = new ArrayList<>();
    for (int i = 0; i < cases.size(); i++) {
      if (!(cases.get(i) instanceof Map<?, ?> c)) {
        throw new IllegalArgumentException("case " + i + " is not an object");
      }
      parsed.add(parseCase(i, c));
    }
    return new ParsedTests(language, parsed);
  }

  private static TestCase parseCase(int i, Map<?, ?> c) {
    if (c.get("assert") instanceof String code) {
      return new TestCase.PythonAssert(code);
    }
    Object function = c.containsKey("call") ? c.get("call") : c.get("fn_name");
    if (function instanceof String fn) {
      Object args = c.get("args") == null ? List.of() : c.get("args");
      if (!(args instanceof List<?>)) {
        throw new IllegalArgumentException("case " + i + ": args must be a list");
      }
      double tolerance = c.get("tolerance") instanceof Number n ? n.doubleValue() : 0;
      return new TestCase.PythonCall(
          fn, JSON.writeValueAsString(args), JSON.writeValueAsString(c.get("expected")), tolerance);
    }
    Object in = c.containsKey("input") ? c.get("input") : c.get("stdin");
    Object out =
        c.containsKey("output")
            ? c.get("output")
            : c.containsKey("stdout") ? c.get("stdout") : c.get("expected_output");
    if (!(out instanceof String expected)) {
      throw new IllegalArgumentException(
          "case " + i + ": needs 'output' (stdout), 'call' with 'expected', or 'assert'");
    }
    return new TestCase.Stdio(in == null ? "" : String.valueOf(in), expected, comparison(i, c));
  }

  private static OutputComparison comparison(int i, Map<?, ?> c) {
    Object mode = c.get("comparison");
    if (mode == null || "default".equals(mode)) {
      return OutputComparison.DEFAULT;
    }
    if ("exact".equals(mode)) {
      return OutputComparison.EXACT;
    }
    if (mode instanceof String s && s.startsWith("float:")) {
      try {
        return OutputComparison.floatTolerance(Double.parseDouble(s.substring(6)));
      } catch (NumberFormatException e) {
        // reported below
      }
    }
    throw new IllegalArgumentException(
        "case " + i + ": comparison must be default, exact or float:<tolerance>");
  }

  private static List<TestCase> appsCases(List<?> inputs, List<?> outputs, Object fnName) {
    if (inputs.size() != outputs.size()) {
      throw new IllegalArgumentException(
          inputs.size() + " inputs but " + outputs.size() + " outputs");
    }
    List<TestCase> cases = new ArrayList<>();
    for (int i = 0; i < inputs.size(); i++) {
      if (fnName instanceof String fn) {
        Object args = inputs.get(i) instanceof List<?> l ? l : List.of(inputs.get(i));
        cases.add(
            new TestCase.PythonCall(
                fn, JSON.writeValueAsString(args), JSON.writeValueAsString(outputs.get(i))));
      } else {
        cases.add(
            new TestCase.Stdio(String.valueOf(inputs.get(i)), String.valueOf(outputs.get(i))));
      }
    }
    return cases;
  }
}
