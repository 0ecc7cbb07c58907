package dev.grpo.trainer.run;

import dev.grpo.api.problem.FieldProblem;
import dev.grpo.api.reward.RewardClient;
import dev.grpo.api.reward.RuleCatalog;
import dev.grpo.api.reward.ScoreRequest;
import dev.grpo.api.rollout.BackendStatus;
import dev.grpo.api.rollout.RolloutClient;
import dev.grpo.api.run.RunSpec;
import dev.grpo.web.ApiException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.springframework.http.HttpStatus;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.RestClientException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Checks a spec's rules and backend against the services that will run them, before a run exists:
 * each {@code rewards[i].rule} must be in the reward service's catalog ({@code GET /api/v1/rules}),
 * its params must pass the reward service's own check (a score request with no items, which
 * configures the rules and scores nothing), and {@code rollout.backend} must be one of the rollout
 * service's backends. A service that cannot be asked is a 503: a run that would fail later is not
 * created.
 */
final class SpecServices {

  private static final Pattern RULE_FIELD =
      Pattern.compile("rules\\[(\\d+)]\\.(name|params|weight)(.*)");
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final RewardClient reward;
  private final RolloutClient rollout;

  SpecServices(RewardClient reward, RolloutClient rollout) {
    this.reward = reward;
    this.rollout = rollout;
  }

  List<FieldProblem> problems(RunSpec spec) {
    List<FieldProblem> problems = new ArrayList<>();
    Set<String> backends =
        ask("rollout", rollout::backends).stream()
            .map(BackendStatus::name)
            .collect(Collectors.toSet());
    if (!backends.contains(spec.rollout().backend())) {
      problems.add(
          new FieldProblem(
              "rollout.backend",
              "unknown backend '"
                  + spec.rollout().backend()
                  + "'; the rollout service has: "
                  + backends.stream().sorted().toList()));
    }
    RuleCatalog catalog = ask("reward", reward::rules);
    Set<String> known =
        catalog.rules().stream().map(RuleCatalog.RuleInfo::name).collect(Collectors.toSet());
    List<RunSpec.Reward> rewards = spec.rewards();
    List<Integer> checkable = new ArrayList<>();
    for (int i = 0; i < rewards.size(); i++) {
      if (known.contains(rewards.get(i).rule())) {
        checkable.add(i);
      } else {
        problems.add(
            new FieldProblem(
                "rewards[" + i + "].rule",
                "unknown rule '"
                    + rewards.get(i).rule()
                    + "'; the reward service has: "
                    + known.stream().sorted().toList()));
      }
    }
    problems.addAll(paramProblems(rewards, checkable));
    return problems;
  }

  /** Asks the reward service to configure the known rules with their params, scoring nothing. */
  private List<FieldProblem> paramProblems(List<RunSpec.Reward> rewards, List<Integer> indexes) {
    if (indexes.isEmpty()) {
      return List.of();
    }
    List<ScoreRequest.RuleSpec> rules =
        indexes.stream()
            .map(
                i -> new ScoreRequest.RuleSpec(rewards.get(i).rule(), 1.0, rewards.get(i).params()))
            .toList();
    try {
      reward.score(new ScoreRequest(rules, List.of()));
      return List.of();
    } catch (HttpClientErrorException e) {
      if (e.getStatusCode().value() != 400) {
        throw unavailable("reward", e);
      }
      return mapped(e.getResponseBodyAsString(), indexes);
    } catch (RestClientException e) {
      throw unavailable("reward", e);
    }
  }

  /** The reward service's problems on {@code rules[j]...}, renamed to {@code rewards[i]...}. */
  private static List<FieldProblem> mapped(String body, List<Integer> indexes) {
    List<FieldProblem> out = new ArrayList<>();
    JsonNode errors;
    try {
      errors = JSON.readTree(body).path("errors");
    } catch (RuntimeException notJson) {
      return List.of(new FieldProblem("rewards", "the reward service refused the rules"));
    }
    for (JsonNode error : errors) {
      Matcher m = RULE_FIELD.matcher(error.path("field").asString(""));
      String message = error.path("message").asString("is not valid");
      int j = m.matches() ? Integer.parseInt(m.group(1)) : -1;
      if (j < 0 || j >= indexes.size()) {
        out.add(new FieldProblem("rewards", "the reward service refused the rules: " + message));
        continue;
      }
      String part = m.group(2).equals("name") ? "rule" : m.group(2);
      out.add(new FieldProblem("rewards[" + indexes.get(j) + "]." + part + m.group(3), message));
    }
    if (out.isEmpty()) {
      out.add(new FieldProblem("rewards", "the reward service refused the rules"));
    }
    return out;
  }

  /** A read the check needs: any failure (down, timeout, refused key) means it cannot decide. */
  private static <T> T ask(String service, Supplier<T> call) {
    try {
      return call.get();
    } catch (RestClientException e) {
      throw unavailable(service, e);
    }
  }

  private static ApiException unavailable(String service, Exception cause) {
    return new ApiException(
        HttpStatus.SERVICE_UNAVAILABLE,
        "dependency-unavailable",
        "the "
            + service
            + " service could not be asked to check this spec ("
            + cause.getClass().getSimpleName()
            + "); no run was created, retry when it is up");
  }
}
