package dev.grpo.api.reward.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.rule.RuleStatus;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class RemoteScoreProtocolTest {

  private final JsonMapper mapper = JsonMapper.builder().build();

  @Test
  void theRequestWritesEveryFieldNullsIncluded() {
    RemoteScoreRequest request =
        new RemoteScoreRequest(
            List.of(
                new RemoteScoreRequest.Item(
                    "a",
                    "2+2?",
                    "<answer>4</answer>",
                    new RemoteScoreRequest.Reference("4", null, "en")),
                new RemoteScoreRequest.Item(null, null, "x", null)));
    assertThat(mapper.writeValueAsString(request))
        .isEqualTo(
            "{\"items\":[{\"id\":\"a\",\"prompt\":\"2+2?\",\"completion\":\"<answer>4</answer>\","
                + "\"reference\":{\"answer\":\"4\",\"tests\":null,\"language\":\"en\"}},"
                + "{\"id\":null,\"prompt\":null,\"completion\":\"x\",\"reference\":null}]}");
  }

  @Test
  void onlyAnOkResultCarriesAScoreAndTheJsonOmitsAMissingOne() {
    RemoteScoreResponse response =
        new RemoteScoreResponse(
            List.of(
                RemoteScoreResponse.Result.ok(0.75, Map.of("found", 3)),
                RemoteScoreResponse.Result.of(
                    RuleStatus.ERROR, "boom", Map.of("reason", "overridden", "at", 2))));
    assertThat(mapper.writeValueAsString(response))
        .isEqualTo(
            "{\"results\":[{\"status\":\"OK\",\"score\":0.75,\"details\":{\"found\":3}},"
                + "{\"status\":\"ERROR\",\"details\":{\"reason\":\"boom\",\"at\":2}}]}");
    RemoteScoreResponse read =
        mapper.readValue(
            "{\"results\":[{\"status\":\"NOT_APPLICABLE\"},{\"status\":\"OK\",\"score\":1}]}",
            RemoteScoreResponse.class);
    assertThat(read.results().get(0).details()).isEmpty();
    assertThat(read.results().get(1).score()).isEqualTo(1.0);
  }

  @Test
  void aResultThatWouldHideAFailureCannotBeBuilt() {
    assertThatThrownBy(() -> new RemoteScoreResponse.Result(RuleStatus.OK, null, null))
        .hasMessageContaining("finite score");
    assertThatThrownBy(() -> new RemoteScoreResponse.Result(RuleStatus.OK, Double.NaN, Map.of()))
        .hasMessageContaining("finite score");
    assertThatThrownBy(() -> new RemoteScoreResponse.Result(RuleStatus.ERROR, 0.0, Map.of()))
        .hasMessageContaining("only an OK result");
    assertThatThrownBy(() -> new RemoteScoreResponse.Result(RuleStatus.TIMEOUT, 0.0, Map.of()))
        .hasMessageContaining("only an OK result");
  }
}
