package dev.grpo.rollout.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.rollout.backend.BackendException;
import dev.grpo.rollout.testing.FakeVllm;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class CompletionsResponseTest {

  private final JsonMapper mapper = JsonMapper.builder().build();

  private JsonNode json(String s) {
    return mapper.readTree(s);
  }

  @Test
  void choicesAreOrderedByIndex() {
    String reversed =
        """
        {"choices": [
          {"index": 1, "text": "b", "finish_reason": "length", "token_ids": [7],
           "logprobs": {"token_logprobs": [-0.5], "tokens": ["token_id:7"]}},
          {"index": 0, "text": "a", "finish_reason": "stop", "token_ids": [5, 6],
           "logprobs": {"token_logprobs": [-0.25, -1.5], "tokens": ["token_id:5", "token_id:6"]}}
        ]}
        """;
    var samples = CompletionsResponse.samples(json(reversed), 2);
    assertThat(samples.get(0).text()).isEqualTo("a");
    assertThat(samples.get(0).tokenIds()).containsExactly(5, 6);
    assertThat(samples.get(0).logprobs()).containsExactly(-0.25f, -1.5f);
    assertThat(samples.get(1).finishReason()).isEqualTo("length");
  }

  @Test
  void unusableChoicesAreErrors() {
    assertThatThrownBy(
            () ->
                CompletionsResponse.samples(
                    json(
                        """
                        {"choices": [{"index": 0, "text": "a", "finish_reason": "abort",
                          "token_ids": [5], "logprobs": {"token_logprobs": [-0.1]}}]}
                        """),
                    1))
        .isInstanceOf(BackendException.class)
        .hasMessageContaining("abort");
    assertThatThrownBy(
            () ->
                CompletionsResponse.samples(
                    json(
                        """
                        {"choices": [{"index": 0, "text": "a", "finish_reason": "stop",
                          "token_ids": [5, 6], "logprobs": {"token_logprobs": [-0.1]}}]}
                        """),
                    1))
        .hasMessageContaining("2 token ids but 1 log-probs");
    assertThatThrownBy(
            () ->
                CompletionsResponse.samples(
                    json(
                        """
                        {"choices": [{"index": 0, "text": "a", "finish_reason": "stop",
                          "logprobs": {"token_logprobs": [-0.1], "tokens": ["Hello"]}}]}
                        """),
                    1))
        .hasMessageContaining("return_tokens_as_token_ids");
    assertThatThrownBy(
            () ->
                CompletionsResponse.samples(
                    json(
                        """
                        {"choices": [{"index": 0, "text": "a", "finish_reason": "stop",
                          "token_ids": [5], "logprobs": null}]}
                        """),
                    1))
        .hasMessageContaining("ignored logprobs");
  }

  @Test
  void errorMessagesAreReadFromEveryKnownShape() {
    assertThat(
            CompletionsResponse.errorMessage(
                json(FakeVllm.fixture("error-400.json")), FakeVllm.fixture("error-400.json")))
        .startsWith("This model's maximum context length");
    assertThat(
            CompletionsResponse.errorMessage(
                json(FakeVllm.fixture("error-500.json")), FakeVllm.fixture("error-500.json")))
        .startsWith("EngineCore encountered an issue");
    assertThat(CompletionsResponse.errorMessage(null, "Internal Server Error\n"))
        .isEqualTo("Internal Server Error");
  }
}
