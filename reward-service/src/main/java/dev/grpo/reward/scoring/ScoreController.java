package dev.grpo.reward.scoring;

import dev.grpo.api.reward.RuleCatalog;
import dev.grpo.api.reward.ScoreRequest;
import dev.grpo.api.reward.ScoreResponse;
import dev.grpo.reward.config.RewardProperties;
import dev.grpo.reward.rule.RuleRegistry;
import dev.grpo.web.ApiException;
import dev.grpo.web.RecordBinder;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.Validator;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.ObjectReader;

/** Scores batches of completions and lists the rules. */
@RestController
@RequestMapping("/api/v1")
class ScoreController {

  private final RuleRegistry registry;
  private final ScoringEngine engine;
  private final RewardLedger ledger;
  private final RecordBinder binder;
  private final RewardProperties properties;
  private final ObjectReader strictReader;
  private final Validator validator;

  ScoreController(
      RuleRegistry registry,
      ScoringEngine engine,
      RewardLedger ledger,
      RecordBinder binder,
      RewardProperties properties,
      ObjectMapper mapper,
      Validator validator) {
    this.registry = registry;
    this.engine = engine;
    this.ledger = ledger;
    this.binder = binder;
    this.properties = properties;
    this.strictReader =
        mapper
            .readerFor(ScoreRequest.class)
            .with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    this.validator = validator;
  }

  /**
   * One result per item, in request order. Items with a {@code completionId} have their results
   * stored in the ledger (one batch per request; a retry stores nothing twice).
   */
  @PostMapping("/score")
  ScoreResponse score(
      @io.swagger.v3.oas.annotations.parameters.RequestBody(
              content = @Content(schema = @Schema(implementation = ScoreRequest.class)))
          @RequestBody
          JsonNode body) {
    JsonNode items = body == null ? null : body.get("items");
    if (items != null && items.isArray() && items.size() > properties.maxBatchItems()) {
      throw new ApiException(
          HttpStatus.CONTENT_TOO_LARGE,
          "batch-too-large",
          "a request may carry at most "
              + properties.maxBatchItems()
              + " items, this one has "
              + items.size()
              + "; split the batch");
    }
    ScoreRequest request = bind(body);
    List<WeightedRule> rules = RuleSelection.configure(registry, request.rules(), "rules");
    ledger.checkCompletionsExist(
        request.items().stream().map(ScoreRequest.Item::completionId).toList());
    List<ScoredItem> scored = engine.score(rules, request.items());
    ledger.store(scored);
    return new ScoreResponse(scored.stream().map(ScoredItem::toResult).toList());
  }

  /**
   * A valid body binds with plain Jackson, which is several times faster on batches of thousands of
   * items; only an invalid one goes through the binder that walks every field to name each problem.
   */
  private ScoreRequest bind(JsonNode body) {
    if (body != null && body.isObject()) {
      try {
        ScoreRequest request = strictReader.readValue(body);
        if (validator.validate(request).isEmpty()) {
          return request;
        }
      } catch (JacksonException invalid) {
        // fall through to the binder, which reports every invalid field
      }
    }
    return binder.bind(body, ScoreRequest.class);
  }

  @GetMapping("/rules")
  RuleCatalog rules() {
    return RuleCatalogs.of(registry);
  }
}
