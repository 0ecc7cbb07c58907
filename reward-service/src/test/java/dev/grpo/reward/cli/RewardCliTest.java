package dev.grpo.reward.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class RewardCliTest {

  @TempDir Path dir;
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return RewardCli.run(
        args,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private List<String> outLines() {
    return out.toString(StandardCharsets.UTF_8).lines().toList();
  }

  @Test
  void scoreJsonlPrintsOneResultPerLineInOrder() throws Exception {
    Path file = dir.resolve("items.jsonl");
    Files.writeString(
        file,
        """
        {"id": "good", "prompt": "2+2?", "completion": "<think>\\nadd\\n</think>\\n<answer>\\n4\\n</answer>", "reference": {"answer": "4"}}

        {"id": "bad", "completion": "4"}
        {"id": "missing"}
        """);
    int status = run("score-jsonl", "--rules", "format,tag_count:0.5", file.toString());
    assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
    List<String> lines = outLines();
    assertThat(lines).hasSize(3);
    JsonMapper json = JsonMapper.builder().build();
    JsonNode good = json.readTree(lines.get(0));
    assertThat(good.get("id").asString()).isEqualTo("good");
    assertThat(good.get("total").asDouble()).isEqualTo(1.5);
    JsonNode bad = json.readTree(lines.get(1));
    assertThat(bad.get("total").asDouble()).isEqualTo(0.0);
    assertThat(bad.get("totalStatus").asString()).isEqualTo("COMPLETE");
    JsonNode missing = json.readTree(lines.get(2));
    assertThat(missing.get("total").isNull()).isTrue();
    assertThat(missing.get("rules").get(0).get("status").asString()).isEqualTo("INVALID_INPUT");
  }

  @Test
  void paramsAreCheckedAndBadInputIsReportedWithItsLine() throws Exception {
    Path file = dir.resolve("items.jsonl");
    Files.writeString(file, "{\"completion\": \"a\"}\n{\"completion\": \"b\", \"typo\": 1}\n");
    assertThat(run("score-jsonl", "--rules", "format", file.toString())).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains(":2:");

    err.reset();
    assertThat(
            run(
                "score-jsonl",
                "--rules",
                "reasoning_steps",
                "--params",
                "{\"reasoning_steps\": {\"steps_for_full_score\": 0}}",
                file.toString()))
        .isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("steps_for_full_score");

    err.reset();
    assertThat(run("score-jsonl", "--rules", "nope", file.toString())).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("nope");
  }

  @Test
  void paramsChangeTheScore() throws Exception {
    Path file = dir.resolve("items.jsonl");
    Files.writeString(file, "{\"completion\": \"Step 1: a. Step 2: b.\"}\n");
    int status =
        run(
            "score-jsonl",
            "--rules",
            "reasoning_steps",
            "--params",
            "{\"reasoning_steps\": {\"steps_for_full_score\": 4}}",
            file.toString());
    assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(outLines().get(0)).contains("\"total\":0.5");
  }

  @Test
  void unknownCommandsAndNoArgumentsAreUsageErrorsButSpringArgumentsAreNotCommands() {
    assertThat(RewardCli.isCommand(new String[] {"score-jsonl"})).isTrue();
    assertThat(RewardCli.isCommand(new String[] {"--server.port=9000"})).isFalse();
    assertThat(RewardCli.isCommand(new String[0])).isFalse();
    assertThat(run("score-jsonl")).isEqualTo(2);
    assertThat(run("frobnicate")).isEqualTo(2);
  }
}
