package dev.grpo.trainer.rm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.api.run.PreferenceFormat;
import dev.grpo.api.run.RewardModelTraining;
import dev.grpo.policy.tokenizer.CharTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

class PreferenceFileTest {

  @TempDir Path dir;

  private final PreferenceFile reader = new PreferenceFile(new JsonMapper());

  private static RewardModelTraining spec(PreferenceFormat format, String marginField) {
    return new RewardModelTraining(
        "unused", format, null, null, null, marginField, null, null, null, null, null, null);
  }

  private Path file(String... lines) throws IOException {
    Path f = Files.createTempFile(dir, "pairs", ".jsonl");
    Files.writeString(f, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    return f;
  }

  @Test
  void pairsLayoutCountsEveryRejectedRowPerReason() throws IOException {
    Path f =
        file(
            "{\"prompt\": \"2+2=\", \"chosen\": \"4\", \"rejected\": \"5\"}",
            "{\"prompt\": \"1+1=\", \"chosen\": \"2\"}",
            "{\"prompt\": \"1+2=\", \"chosen\": \"\", \"rejected\": \"3\"}",
            "{\"prompt\": \"1+3=\", \"chosen\": null, \"rejected\": \"4\"}",
            "{\"prompt\": \"3+3=\", \"chosen\": \"6\", \"rejected\": \"6\"}",
            "not json",
            "[1, 2]",
            "",
            "{\"prompt\": 7, \"chosen\": \"7\", \"rejected\": \"8\"}",
            "{\"prompt\": \"4+4=\", \"chosen\": \"8\", \"rejected\": \"9\"}");
    PreferenceFile.Read read = reader.read(f, spec(PreferenceFormat.PAIRS, null));

    assertThat(read.pairs())
        .containsExactly(
            new PreferencePair(1, "2+2=", "4", "5", null),
            new PreferencePair(10, "4+4=", "8", "9", null));
    assertThat(read.rejections().counts())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                PreferenceRejection.MISSING_SIDE, 3,
                PreferenceRejection.IDENTICAL, 1,
                PreferenceRejection.MALFORMED, 3,
                PreferenceRejection.TOO_LONG, 0));
    assertThat(read.rejections().total()).isEqualTo(7);
    assertThat(read.rejections().examples().get(PreferenceRejection.MISSING_SIDE))
        .containsExactly("line 2: no rejected", "line 3: no chosen", "line 4: no chosen");
    assertThat(read.rejections().examples().get(PreferenceRejection.IDENTICAL))
        .containsExactly("line 5: chosen and rejected are the same text");
  }

  @Test
  void hhTranscriptsAreSplitAtTheLastSharedAssistantTurn() throws IOException {
    String prompt = "\n\nHuman: hi\n\nAssistant: hello\n\nHuman: what is 2+2?\n\nAssistant:";
    Path f =
        file(
            new JsonMapper()
                .writeValueAsString(
                    Map.of("chosen", prompt + " 4", "rejected", prompt + " 5, I think")),
            new JsonMapper()
                .writeValueAsString(
                    Map.of(
                        "chosen", "\n\nHuman: a\n\nAssistant: b",
                        "rejected", "\n\nHuman: c\n\nAssistant: d")),
            new JsonMapper().writeValueAsString(Map.of("chosen", "no turns", "rejected", "x")));
    PreferenceFile.Read read = reader.read(f, spec(PreferenceFormat.HH, null));

    assertThat(read.pairs())
        .containsExactly(new PreferencePair(1, prompt, " 4", " 5, I think", null));
    assertThat(read.rejections().counts().get(PreferenceRejection.MALFORMED)).isEqualTo(2);
    assertThat(read.rejections().examples().get(PreferenceRejection.MALFORMED))
        .containsExactly(
            "line 2: chosen and rejected transcripts do not share a prompt",
            "line 3: the chosen transcript has no \\n\\nAssistant: turn");
  }

  @Test
  void ultraFeedbackTakesTheLastAssistantMessageAndMarginsFromTheMappedField() throws IOException {
    JsonMapper json = new JsonMapper();
    Path f =
        file(
            json.writeValueAsString(
                Map.of(
                    "prompt",
                    "Name a prime.",
                    "chosen",
                    List.of(
                        Map.of("role", "user", "content", "Name a prime."),
                        Map.of("role", "assistant", "content", "7")),
                    "rejected",
                    List.of(
                        Map.of("role", "user", "content", "Name a prime."),
                        Map.of("role", "assistant", "content", "9")),
                    "score_gap",
                    1.5)),
            json.writeValueAsString(
                Map.of(
                    "prompt",
                    "Say hi.",
                    "chosen",
                    List.of(Map.of("role", "user", "content", "Say hi.")),
                    "rejected",
                    List.of(Map.of("role", "assistant", "content", "hi")),
                    "score_gap",
                    0.5)),
            json.writeValueAsString(
                Map.of(
                    "prompt",
                    "x",
                    "chosen",
                    List.of(Map.of("role", "assistant", "content", "a")),
                    "rejected",
                    List.of(Map.of("role", "assistant", "content", "b")),
                    "score_gap",
                    "big")));
    PreferenceFile.Read read = reader.read(f, spec(PreferenceFormat.ULTRAFEEDBACK, "score_gap"));

    assertThat(read.pairs()).containsExactly(new PreferencePair(1, "Name a prime.", "7", "9", 1.5));
    assertThat(read.rejections().counts().get(PreferenceRejection.MISSING_SIDE)).isEqualTo(1);
    assertThat(read.rejections().counts().get(PreferenceRejection.MALFORMED)).isEqualTo(1);
    assertThat(read.rejections().examples().get(PreferenceRejection.MALFORMED))
        .containsExactly("line 3: score_gap must be a finite number");
  }

  @Test
  void pairsLongerThanTheContextAreCountedNotTruncated() throws IOException {
    Path f =
        file(
            "{\"prompt\": \"1\", \"chosen\": \"22\", \"rejected\": \"3\"}",
            "{\"prompt\": \"1\", \"chosen\": \"2\", \"rejected\": \"333333\"}",
            "{\"prompt\": \"4\", \"chosen\": \"5\", \"rejected\": \"6\"}",
            "{\"prompt\": \"7\", \"chosen\": \"8\", \"rejected\": \"9\"}");
    PreferenceFile.Read read = reader.read(f, spec(PreferenceFormat.PAIRS, null));
    // BOS + prompt + response + EOS: 5 tokens for "1"+"22", 9 for "1"+"333333"
    PreferenceSet set = PreferenceSet.of(read, new CharTokenizer(), 5, 0.25, 0.34, 7);

    assertThat(set.train().size() + set.heldOut().size()).isEqualTo(3);
    assertThat(set.heldOut()).hasSize(1);
    assertThat(set.rejections().counts().get(PreferenceRejection.TOO_LONG)).isEqualTo(1);
    assertThat(set.rejections().examples().get(PreferenceRejection.TOO_LONG))
        .containsExactly("line 2: 9 tokens, the model's context is 5");
    assertThat(set.train().get(0).margin()).isEqualTo(0.25f);

    assertThatThrownBy(() -> PreferenceSet.of(read, new CharTokenizer(), 3, 0, 0.1, 7))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0 usable pairs");
  }
}
