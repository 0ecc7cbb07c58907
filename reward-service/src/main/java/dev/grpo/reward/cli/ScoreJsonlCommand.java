package dev.grpo.reward.cli;

import dev.grpo.api.problem.FieldProblem;
import dev.grpo.api.reward.ScoreRequest;
import dev.grpo.api.reward.ScoreRequest.RuleSpec;
import dev.grpo.reward.BuiltInRules;
import dev.grpo.reward.rule.RuleRegistry;
import dev.grpo.reward.scoring.RuleSelection;
import dev.grpo.reward.scoring.ScoredItem;
import dev.grpo.reward.scoring.ScoringEngine;
import dev.grpo.reward.scoring.WeightedRule;
import dev.grpo.web.InvalidRequestException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code score-jsonl --rules format,tag_count:0.5 [--params JSON] [--timeout-ms N] FILE.jsonl}:
 * scores whole completions offline, one JSON object per input line (the fields of a {@code POST
 * /api/v1/score} item), and prints one result per line in input order (the fields of a score
 * response result). {@code FILE} may be {@code -} for standard input. Group-level rules see the
 * lines of one {@code groupId} (or prompt) together.
 */
final class ScoreJsonlCommand implements Command {

  private static final JsonMapper JSON =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  private final Supplier<RuleRegistry> registry;

  ScoreJsonlCommand() {
    this(BuiltInRules::registry);
  }

  ScoreJsonlCommand(Supplier<RuleRegistry> registry) {
    this.registry = registry;
  }

  @Override
  public String usage() {
    return "score-jsonl --rules NAME[:WEIGHT],... [--params '{\"rule\":{...}}'] [--timeout-ms N]"
        + " FILE.jsonl|-";
  }

  @Override
  public int run(List<String> args, PrintStream out, PrintStream err) {
    String rulesArg = null;
    String paramsArg = null;
    long timeoutMs = 1000;
    String file = null;
    try {
      for (int i = 0; i < args.size(); i++) {
        String a = args.get(i);
        switch (a) {
          case "--rules" -> rulesArg = args.get(++i);
          case "--params" -> paramsArg = args.get(++i);
          case "--timeout-ms" -> timeoutMs = Long.parseLong(args.get(++i));
          default -> {
            if (a.startsWith("--") || file != null) {
              return usage(err, "unexpected argument " + a);
            }
            file = a;
          }
        }
      }
    } catch (IndexOutOfBoundsException | NumberFormatException e) {
      return usage(err, "an option is missing its value or has a bad one");
    }
    if (rulesArg == null || file == null || timeoutMs <= 0) {
      return usage(err, "--rules and a FILE are required");
    }

    RuleRegistry rules = registry.get();
    List<WeightedRule> selected;
    try {
      selected = RuleSelection.configure(rules, ruleSpecs(rulesArg, paramsArg), "--rules");
    } catch (InvalidRequestException | IllegalArgumentException | JacksonException e) {
      return usage(err, describe(e));
    }

    List<ScoreRequest.Item> items = new ArrayList<>();
    try (BufferedReader in = open(file)) {
      String line;
      int lineNo = 0;
      while ((line = in.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        try {
          items.add(JSON.readValue(line, ScoreRequest.Item.class));
        } catch (JacksonException e) {
          err.println(file + ":" + lineNo + ": not a valid item: " + e.getOriginalMessage());
          return 1;
        }
      }
    } catch (IOException e) {
      err.println("cannot read " + file + ": " + e.getMessage());
      return 1;
    }

    try (ScoringEngine engine =
        new ScoringEngine(
            Runtime.getRuntime().availableProcessors(),
            Duration.ofMillis(timeoutMs),
            new SimpleMeterRegistry())) {
      for (ScoredItem scored : engine.score(selected, items)) {
        out.println(JSON.writeValueAsString(scored.toResult()));
      }
    }
    out.flush();
    return 0;
  }

  private static List<RuleSpec> ruleSpecs(String rulesArg, String paramsArg) {
    Map<String, Map<String, Object>> params = new LinkedHashMap<>();
    if (paramsArg != null) {
      Map<?, ?> given = JSON.readValue(paramsArg, Map.class);
      for (Map.Entry<?, ?> e : given.entrySet()) {
        if (!(e.getValue() instanceof Map<?, ?> map)) {
          throw new IllegalArgumentException(
              "--params: '" + e.getKey() + "' must map to an object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> ruleParams = (Map<String, Object>) map;
        params.put((String) e.getKey(), ruleParams);
      }
    }
    List<RuleSpec> specs = new ArrayList<>();
    for (String part : rulesArg.split(",")) {
      String trimmed = part.trim();
      if (trimmed.isEmpty()) {
        continue;
      }
      int colon = trimmed.indexOf(':');
      String name = colon < 0 ? trimmed : trimmed.substring(0, colon);
      double weight = colon < 0 ? 1.0 : Double.parseDouble(trimmed.substring(colon + 1));
      specs.add(new RuleSpec(name, weight, params.getOrDefault(name, Map.of())));
    }
    if (specs.isEmpty()) {
      throw new IllegalArgumentException("--rules names no rule");
    }
    for (String named : params.keySet()) {
      if (specs.stream().noneMatch(s -> s.name().equals(named))) {
        throw new IllegalArgumentException(
            "--params names '" + named + "', which --rules does not");
      }
    }
    return specs;
  }

  private static String describe(Exception e) {
    if (e instanceof InvalidRequestException invalid) {
      return invalid.problems().stream()
          .map(FieldProblem::toString)
          .reduce((a, b) -> a + "; " + b)
          .orElse(e.getMessage());
    }
    return e.getMessage();
  }

  private static BufferedReader open(String file) throws IOException {
    if (file.equals("-")) {
      return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    }
    return Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8);
  }

  private int usage(PrintStream err, String problem) {
    err.println("score-jsonl: " + problem);
    err.println("usage: " + usage());
    return 2;
  }
}
