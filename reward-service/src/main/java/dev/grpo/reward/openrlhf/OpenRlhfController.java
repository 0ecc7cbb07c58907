package dev.grpo.reward.openrlhf;

import dev.grpo.api.problem.FieldProblem;
import dev.grpo.api.reward.ScoreRequest;
import dev.grpo.api.reward.ScoreResponse.ItemResult;
import dev.grpo.api.reward.ScoreResponse.RuleOutcome;
import dev.grpo.api.reward.ScoreResponse.TotalStatus;
import dev.grpo.reward.config.RewardProperties;
import dev.grpo.reward.rule.RuleRegistry;
import dev.grpo.reward.scoring.DefaultProfile;
import dev.grpo.reward.scoring.ScoredItem;
import dev.grpo.reward.scoring.ScoringEngine;
import dev.grpo.reward.scoring.WeightedRule;
import dev.grpo.web.ApiException;
import dev.grpo.web.InvalidRequestException;
import dev.grpo.web.RecordBinder;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * OpenRLHF's remote reward contract ({@code --reward.remote_url http://host:8083/get_reward}),
 * scored with {@code grpo.reward.default-profile}. Nothing is stored: OpenRLHF has no ledger ids.
 *
 * <p>A request with {@code labels} is also scored by {@code math_accuracy} (weight 1, default
 * params) against them, unless the profile already has that rule: the labels are the reference
 * answers, and a right and a wrong answer must not get the same reward.
 *
 * <p>OpenRLHF needs a number per sample, so {@code rewards[i]} is the item's weighted sum over the
 * rules that are OK (the {@code partialTotal} of {@code /api/v1/score}); how many items were
 * incomplete is reported in {@code extra_logs.incomplete_fraction}, and each rule's OK share in
 * {@code extra_logs["<rule>/ok_fraction"]}, so a missing rule shows on the dashboard instead of
 * passing as a silent 0.
 */
@RestController
@ConditionalOnBooleanProperty(name = "grpo.reward.openrlhf.enabled", matchIfMissing = true)
class OpenRlhfController {

  static final String ANSWER_RULE = "math_accuracy";

  private final ScoringEngine engine;
  private final DefaultProfile profile;
  private final RecordBinder binder;
  private final RewardProperties properties;
  private final ObjectMapper mapper;
  private final List<WeightedRule> labelledRules;

  OpenRlhfController(
      ScoringEngine engine,
      DefaultProfile profile,
      RuleRegistry registry,
      RecordBinder binder,
      RewardProperties properties,
      ObjectMapper mapper) {
    this.engine = engine;
    this.profile = profile;
    this.labelledRules = withAnswerRule(profile.rules(), registry);
    this.binder = binder;
    this.properties = properties;
    this.mapper = mapper;
  }

  @PostMapping("/get_reward")
  OpenRlhfResponse getReward(
      @io.swagger.v3.oas.annotations.parameters.RequestBody(
              content = @Content(schema = @Schema(implementation = OpenRlhfRequest.class)))
          @RequestBody
          JsonNode body,
      @RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization,
      @RequestParam(name = "api_key", required = false) String apiKey) {
    checkKey(authorization, apiKey);
    JsonNode query = body == null ? null : body.get("query");
    if (query != null && query.isArray() && query.size() > properties.maxBatchItems()) {
      throw new ApiException(
          HttpStatus.CONTENT_TOO_LARGE,
          "batch-too-large",
          "a request may carry at most " + properties.maxBatchItems() + " queries");
    }
    OpenRlhfRequest request = binder.bind(body, OpenRlhfRequest.class);
    int n = request.query().size();
    List<FieldProblem> problems = new ArrayList<>();
    if (request.prompts() != null && request.prompts().size() != n) {
      problems.add(new FieldProblem("prompts", "must have as many entries as query (" + n + ")"));
    }
    if (request.labels() != null && request.labels().size() != n) {
      problems.add(new FieldProblem("labels", "must have as many entries as query (" + n + ")"));
    }
    if (!problems.isEmpty()) {
      throw new InvalidRequestException(problems);
    }

    List<ScoreRequest.Item> items = new ArrayList<>(n);
    int promptsMissing = 0;
    for (int i = 0; i < n; i++) {
      String prompt = request.prompts() == null ? null : request.prompts().get(i);
      CompletionText text =
          CompletionText.of(request.query().get(i), prompt, properties.openrlhf().stripSuffixes());
      promptsMissing += text.promptFound() ? 0 : 1;
      String label = request.labels() == null ? null : labelText(request.labels().get(i));
      items.add(
          new ScoreRequest.Item(
              String.valueOf(i),
              prompt,
              text.completion(),
              new ScoreRequest.Reference(label, null, null),
              null,
              null,
              null,
              null,
              null));
    }
    boolean labelled =
        request.labels() != null && request.labels().stream().anyMatch(l -> l != null);
    List<WeightedRule> rules = labelled ? labelledRules : profile.rules();
    List<ItemResult> results =
        engine.score(rules, items).stream().map(ScoredItem::toResult).toList();
    List<Double> rewards = results.stream().map(ItemResult::partialTotal).toList();
    return new OpenRlhfResponse(rewards, rewards, extraLogs(rules, results, promptsMissing));
  }

  /** The profile plus {@code math_accuracy}, unless the profile already checks answers with it. */
  private static List<WeightedRule> withAnswerRule(
      List<WeightedRule> profileRules, RuleRegistry registry) {
    if (profileRules.stream().anyMatch(r -> r.name().equals(ANSWER_RULE))) {
      return profileRules;
    }
    List<WeightedRule> rules = new ArrayList<>(profileRules);
    rules.add(new WeightedRule(registry.configure(ANSWER_RULE, Map.of()), 1.0));
    return List.copyOf(rules);
  }

  private static Map<String, Object> extraLogs(
      List<WeightedRule> rules, List<ItemResult> results, int promptsMissing) {
    Map<String, Object> logs = new LinkedHashMap<>();
    if (results.isEmpty()) {
      return logs;
    }
    double n = results.size();
    long incomplete =
        results.stream().filter(r -> r.totalStatus() == TotalStatus.INCOMPLETE).count();
    logs.put("incomplete_fraction", incomplete / n);
    for (int r = 0; r < rules.size(); r++) {
      WeightedRule rule = rules.get(r);
      double sum = 0;
      int ok = 0;
      for (ItemResult result : results) {
        RuleOutcome outcome = result.rules().get(r);
        if (outcome.score() != null) {
          sum += outcome.score();
          ok++;
        }
      }
      logs.put(rule.name() + "/ok_fraction", ok / n);
      if (ok > 0) {
        logs.put(rule.name(), sum / ok);
      }
    }
    if (promptsMissing > 0) {
      logs.put("prompt_not_in_query_fraction", promptsMissing / n);
    }
    return logs;
  }

  private String labelText(Object label) {
    if (label == null || label instanceof String) {
      return (String) label;
    }
    if (label instanceof Number || label instanceof Boolean) {
      return String.valueOf(label);
    }
    return mapper.writeValueAsString(label);
  }

  /** Enforces {@code require-api-key}: the bearer header or the {@code api_key} query parameter. */
  void checkKey(String authorization, String apiKey) {
    if (!properties.openrlhf().requireApiKey()) {
      return;
    }
    byte[] expected = properties.apiKey().getBytes(StandardCharsets.UTF_8);
    byte[] bearer = ("Bearer " + properties.apiKey()).getBytes(StandardCharsets.UTF_8);
    boolean ok =
        (authorization != null
                && MessageDigest.isEqual(bearer, authorization.getBytes(StandardCharsets.UTF_8)))
            || (apiKey != null
                && MessageDigest.isEqual(expected, apiKey.getBytes(StandardCharsets.UTF_8)));
    if (!ok) {
      throw new ApiException(
          HttpStatus.UNAUTHORIZED,
          "unauthorized",
          "this endpoint needs the API key as 'Authorization: Bearer <key>' or '?api_key=<key>'");
    }
  }
}
