package dev.grpo.reward.openrlhf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.grpo.testsupport.ServiceHttp;
import dev.grpo.testsupport.ServiceHttp.Response;
import dev.grpo.testsupport.SharedPostgres;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The default profile is set here as properties: string values must still reach the rules typed.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "grpo.reward.api-key=test-key",
      "grpo.ledger.reaper-interval=1h",
      // the machine running the tests may be busy; time budgets are tested in ScoringEngineTest
      "grpo.reward.rule-timeout=10s",
      "grpo.reward.default-profile[0].name=format",
      "grpo.reward.default-profile[0].weight=2.0",
      "grpo.reward.default-profile[1].name=tag_count",
      "grpo.reward.default-profile[1].weight=0.5",
      "grpo.reward.default-profile[2].name=reasoning_steps",
      "grpo.reward.default-profile[2].params.steps_for_full_score=2",
      "grpo.reward.default-profile[3].name=language_consistency",
      "grpo.reward.default-profile[3].weight=3.0"
    })
class OpenRlhfIT {

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    SharedPostgres.register(registry);
  }

  @LocalServerPort int port;

  private ServiceHttp anonymous() {
    return new ServiceHttp(port, null);
  }

  @Test
  void emptyListsGetEmptyListsBack() {
    Response r =
        anonymous()
            .post(
                "/get_reward?api_key=test-key", "{\"query\": [], \"prompts\": [], \"labels\": []}");
    assertThat(r.status()).as(r.raw().body()).isEqualTo(200);
    assertThat(r.raw().body()).isEqualTo("{\"rewards\":[],\"scores\":[],\"extra_logs\":{}}");
  }

  @Test
  void samplesAreScoredWithTheDefaultProfileOnTheResponseAfterThePrompt() {
    String prompt = "User: what is 2+2?\\nAssistant: ";
    String good = "<think>\\nStep 1: add.\\n</think>\\n<answer>\\n4\\n</answer><|im_end|>";
    Response r =
        anonymous()
            .post(
                "/get_reward?api_key=test-key",
                "{\"query\": [\""
                    + prompt
                    + good
                    + "\", \""
                    + prompt
                    + "4\"], \"prompts\": [\""
                    + prompt
                    + "\", \""
                    + prompt
                    + "\"], \"labels\": [\"4\", 4]}");
    assertThat(r.status()).as(r.raw().body()).isEqualTo(200);
    JsonNode json = r.json();
    // format 1 ×2 + four tags 1 ×0.5 + one step of two 0.5 ×1 + the labelled answer 1 ×1;
    // language unknown → left out
    assertThat(json.get("rewards").get(0).asDouble()).isCloseTo(4.0, within(1e-12));
    // no format, no tags, no steps, and an answer stated nowhere the format puts it
    assertThat(json.get("rewards").get(1).asDouble()).isCloseTo(0.0, within(1e-12));
    assertThat(json.get("scores")).isEqualTo(json.get("rewards"));
    JsonNode logs = json.get("extra_logs");
    assertThat(logs.get("incomplete_fraction").asDouble()).isEqualTo(1.0);
    assertThat(logs.get("format").asDouble()).isEqualTo(0.5);
    assertThat(logs.get("format/ok_fraction").asDouble()).isEqualTo(1.0);
    assertThat(logs.get("language_consistency/ok_fraction").asDouble()).isEqualTo(0.0);
    assertThat(logs.has("language_consistency")).isFalse();
    assertThat(logs.get("math_accuracy").asDouble()).isEqualTo(0.5);
    assertThat(logs.get("math_accuracy/ok_fraction").asDouble()).isEqualTo(1.0);
  }

  /** The API docs' example of issue 13: a right and a wrong answer got the same 1.5. */
  @Test
  void labelsAreCheckedSoARightAndAWrongAnswerNeverGetTheSameReward() {
    String prompt = "User: 3+4?\\nAssistant: ";
    String right = "<think>\\nStep 1: add.\\n</think>\\n<answer>\\n\\\\boxed{7}\\n</answer>";
    String wrong = "<think>\\nStep 1: add.\\n</think>\\n<answer>\\n8\\n</answer>";
    Response r =
        anonymous()
            .post(
                "/get_reward?api_key=test-key",
                "{\"query\": [\""
                    + prompt
                    + right
                    + "\", \""
                    + prompt
                    + wrong
                    + "\"], \"prompts\": [\""
                    + prompt
                    + "\", \""
                    + prompt
                    + "\"], \"labels\": [\"7\", 7]}");
    assertThat(r.status()).as(r.raw().body()).isEqualTo(200);
    JsonNode rewards = r.json().get("rewards");
    // both are formatted alike (3.0 from the profile); only the right one adds math_accuracy's 1
    assertThat(rewards.get(0).asDouble()).isCloseTo(4.0, within(1e-12));
    assertThat(rewards.get(1).asDouble()).isCloseTo(3.0, within(1e-12));
    assertThat(r.json().get("extra_logs").get("math_accuracy").asDouble()).isEqualTo(0.5);

    // without labels only the profile scores, as before
    Response unlabelled =
        anonymous()
            .post(
                "/get_reward?api_key=test-key",
                "{\"query\": [\"" + prompt + right + "\"], \"prompts\": [\"" + prompt + "\"]}");
    assertThat(unlabelled.json().get("rewards").get(0).asDouble()).isCloseTo(3.0, within(1e-12));
    assertThat(unlabelled.json().get("extra_logs").has("math_accuracy")).isFalse();
  }

  @Test
  void theKeyIsRequiredByDefaultAsAHeaderOrAQueryParameter() {
    String empty = "{\"query\": [], \"prompts\": [], \"labels\": []}";
    assertThat(anonymous().post("/get_reward", empty).status()).isEqualTo(401);
    assertThat(anonymous().post("/get_reward?api_key=wrong", empty).status()).isEqualTo(401);
    assertThat(new ServiceHttp(port, "test-key").post("/get_reward", empty).status())
        .isEqualTo(200);
  }

  @Test
  void listsOfDifferentLengthsAreA400Problem() {
    Response r =
        anonymous()
            .post(
                "/get_reward?api_key=test-key",
                "{\"query\": [\"a\", \"b\"], \"prompts\": [\"a\"]}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.json().get("errors").get(0).get("field").asString()).isEqualTo("prompts");
  }
}
