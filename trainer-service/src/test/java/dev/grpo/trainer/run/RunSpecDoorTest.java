package dev.grpo.trainer.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.grpo.api.problem.FieldProblem;
import dev.grpo.api.reward.RewardClient;
import dev.grpo.api.reward.RuleCatalog;
import dev.grpo.api.reward.ScoreRequest;
import dev.grpo.api.reward.ScoreResponse;
import dev.grpo.api.rollout.BackendStatus;
import dev.grpo.api.rollout.PolicySyncRequest;
import dev.grpo.api.rollout.PolicySyncResponse;
import dev.grpo.api.rollout.RolloutClient;
import dev.grpo.api.rollout.RolloutRequest;
import dev.grpo.api.rollout.RolloutResponse;
import dev.grpo.api.run.RunSpec;
import dev.grpo.web.ApiException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.ResourceAccessException;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The checks a spec meets at the door, with fakes of the reward and rollout calls. */
class RunSpecDoorTest {

  /** The reward service's answers: a catalog, and its 400 for a bad param of rule "length". */
  static final class FakeReward implements RewardClient {
    boolean down;

    @Override
    public ScoreResponse score(ScoreRequest request) {
      for (int j = 0; j < request.rules().size(); j++) {
        ScoreRequest.RuleSpec rule = request.rules().get(j);
        if (rule.name().equals("length") && rule.params().containsKey("max_len")) {
          String body =
              "{\"status\":400,\"errors\":[{\"field\":\"rules["
                  + j
                  + "].params.max_len\",\"message\":\"must be an integer\"}]}";
          throw HttpClientErrorException.create(
              HttpStatus.BAD_REQUEST,
              "Bad Request",
              HttpHeaders.EMPTY,
              body.getBytes(StandardCharsets.UTF_8),
              StandardCharsets.UTF_8);
        }
      }
      assertThat(request.items()).isEmpty();
      return new ScoreResponse(List.of());
    }

    @Override
    public RuleCatalog rules() {
      if (down) {
        throw new ResourceAccessException("Connection refused");
      }
      return new RuleCatalog(
          List.of(
              new RuleCatalog.RuleInfo("format", "1", "", false, List.of()),
              new RuleCatalog.RuleInfo("length", "1", "", false, List.of())));
    }
  }

  static final class FakeRollout implements RolloutClient {
    @Override
    public RolloutResponse rollout(RolloutRequest request) {
      throw new UnsupportedOperationException();
    }

    @Override
    public PolicySyncResponse sync(PolicySyncRequest request) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<BackendStatus> backends() {
      return List.of(
          new BackendStatus("embedded", "embedded", true, true, 0, null, 0, List.of()),
          new BackendStatus("vllm", "openai", false, true, 0, null, 0, List.of()));
    }
  }

  private final FakeReward reward = new FakeReward();
  private final SpecServices services = new SpecServices(reward, new FakeRollout());

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static RunSpec spec(List<RunSpec.Reward> rewards, String backend) {
    ObjectNode json = JSON.createObjectNode();
    json.putObject("rollout").put("backend", backend);
    json.set("rewards", JSON.valueToTree(rewards));
    return JSON.treeToValue(json, RunSpec.class);
  }

  private static Map<String, String> byField(List<FieldProblem> problems) {
    return problems.stream()
        .collect(Collectors.toMap(FieldProblem::field, FieldProblem::message, (a, b) -> a));
  }

  @Test
  void unknownRulesBadParamsAndUnknownBackendsAreNamedByTheirSpecField() {
    List<RunSpec.Reward> rewards =
        List.of(
            new RunSpec.Reward("format", 1.0, null),
            new RunSpec.Reward("no_such_rule", 1.0, null),
            new RunSpec.Reward("length", 1.0, Map.of("max_len", "ten")));
    Map<String, String> p = byField(services.problems(spec(rewards, "sglang")));
    assertThat(p)
        .containsOnlyKeys("rewards[1].rule", "rewards[2].params.max_len", "rollout.backend");
    assertThat(p.get("rewards[1].rule"))
        .isEqualTo("unknown rule 'no_such_rule'; the reward service has: [format, length]");
    assertThat(p.get("rewards[2].params.max_len")).isEqualTo("must be an integer");
    assertThat(p.get("rollout.backend"))
        .isEqualTo("unknown backend 'sglang'; the rollout service has: [embedded, vllm]");
  }

  @Test
  void aKnownSpecPasses() {
    List<RunSpec.Reward> rewards =
        List.of(new RunSpec.Reward("format", 1.0, null), new RunSpec.Reward("length", 0.5, null));
    assertThat(services.problems(spec(rewards, "vllm"))).isEmpty();
  }

  @Test
  void anUnreachableServiceIsA503NotARun() {
    reward.down = true;
    ApiException e =
        catchThrowableOfType(
            ApiException.class,
            () ->
                services.problems(spec(List.of(new RunSpec.Reward("format", 1.0, null)), "vllm")));
    assertThat(e.status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
    assertThat(e.getMessage()).contains("reward service").contains("no run was created");
  }

  @Test
  void pathsMustExistAndLieInsideTheRootsAfterSymlinksAndDotDot(@TempDir Path tmp)
      throws Exception {
    Path root = Files.createDirectories(tmp.resolve("root"));
    Path data = Files.writeString(root.resolve("train.jsonl"), "{}\n");
    Path model = Files.createDirectories(root.resolve("model"));
    Path outside = Files.writeString(tmp.resolve("secret.txt"), "top secret");
    Files.createSymbolicLink(root.resolve("link.jsonl"), outside);
    SpecPaths paths = new SpecPaths(List.of(root), List.of(root));

    assertThat(paths.problems(pathSpec(data.toString(), model.toString()))).isEmpty();
    Map<String, String> p =
        byField(paths.problems(pathSpec(root.resolve("link.jsonl").toString(), null)));
    assertThat(p)
        .containsExactly(
            Map.entry(
                "data.path",
                "is outside the folders this trainer may read (grpo.trainer.data-roots)"));
    p = byField(paths.problems(pathSpec(root + "/../secret.txt", root + "/missing")));
    assertThat(p.get("data.path")).startsWith("is outside the folders");
    assertThat(p.get("model.path")).isEqualTo("does not exist or cannot be read");
    assertThat(p.values()).noneMatch(m -> m.contains("secret") || m.contains(tmp.toString()));
    assertThat(byField(paths.problems(pathSpec(model.toString(), data.toString()))))
        .containsEntry("data.path", "must be a file")
        .containsEntry("model.path", "must be a model directory");
  }

  private static RunSpec pathSpec(String dataPath, String modelPath) {
    // built from JSON, so fields added to the spec later keep their defaults here
    ObjectNode json = JSON.createObjectNode();
    json.putObject("data").put("source", "jsonl").put("path", dataPath);
    if (modelPath != null) {
      json.putObject("model").put("path", modelPath);
    }
    return JSON.treeToValue(json, RunSpec.class);
  }
}
