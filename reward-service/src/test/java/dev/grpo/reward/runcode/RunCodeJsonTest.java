package dev.grpo.reward.runcode;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class RunCodeJsonTest {

  private final JsonMapper json = JsonMapper.builder().build();

  @Test
  void requestUsesSandboxFusionNames() {
    RunCodeRequest r =
        json.readValue(
            "{\"code\":\"print(1)\",\"language\":\"python\",\"stdin\":\"\",\"compile_timeout\":5,"
                + "\"run_timeout\":2.5,\"memory_limit_MB\":256,\"files\":{\"a.txt\":\"eA==\"}}",
            RunCodeRequest.class);
    assertThat(r.compileTimeout()).isEqualTo(5.0);
    assertThat(r.runTimeout()).isEqualTo(2.5);
    assertThat(r.memoryLimitMb()).isEqualTo(256);
    assertThat(r.files()).containsEntry("a.txt", "eA==");
  }

  @Test
  void responseUsesSandboxFusionNames() {
    RunCodeResponse r =
        new RunCodeResponse(
            "Success", "", null, new RunCodeResponse.CommandResult("Finished", 0.01, 0, "1\n", ""));
    String s = json.writeValueAsString(r);
    assertThat(s)
        .contains("\"status\":\"Success\"", "\"compile_result\":null", "\"run_result\":{")
        .contains("\"execution_time\":0.01", "\"return_code\":0", "\"stdout\":\"1\\n\"");
  }
}
