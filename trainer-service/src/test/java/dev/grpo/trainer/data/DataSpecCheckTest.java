package dev.grpo.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.api.problem.FieldProblem;
import dev.grpo.api.run.RunSpec;
import dev.grpo.ledger.dataset.DatasetItems;
import dev.grpo.ledger.dataset.DatasetItems.Item;
import dev.grpo.trainer.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/** Run specs over the real GSM8K, HumanEval and MBPP files and the real Qwen2 tokenizer. */
class DataSpecCheckTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir Path tmp;

  @Test
  void aGsm8kSpecReadsQuestionsWithTheirFinalNumbersAndSplitsThem() {
    Path gsm8k = shared("datasets/gsm8k/test.jsonl");
    RunSpec spec = spec("{\"data\":{\"format\":\"gsm8k\",\"path\":\"%s\",\"limit\":50}}", gsm8k);
    assertThat(DataSpecCheck.problems(spec)).isEmpty();
    List<Item> items = Datasets.itemsOf(spec.data(), spec.seed(), JSON);
    assertThat(items).hasSize(50);
    assertThat(items.stream().filter(i -> i.split().equals(DatasetItems.EVAL))).hasSize(5);
    // the first GSM8K test question: Janet's ducks, $18
    Item janet = items.stream().filter(i -> i.prompt().startsWith("Janet")).findFirst().get();
    assertThat(janet.answer()).isEqualTo("18");
    assertThat(janet.tests()).isNull();
  }

  @Test
  void humanEvalAndMbppItemsCarryAssertTestsForTheCodeRule() {
    RunSpec humanEval =
        spec(
            "{\"data\":{\"format\":\"humaneval\",\"path\":\"%s\",\"limit\":3,\"evalFraction\":0}}",
            shared("datasets/humaneval/HumanEval.jsonl.gz"));
    Item first = Datasets.itemsOf(humanEval.data(), 1, JSON).get(0);
    assertThat(first.prompt()).contains("def has_close_elements");
    assertThat(first.tests()).isInstanceOf(Map.class);
    assertThat(JSON.writeValueAsString(first.tests()))
        .contains("\"language\":\"python\"")
        .contains("check(has_close_elements)");

    RunSpec mbpp =
        spec(
            "{\"data\":{\"format\":\"mbpp\",\"path\":\"%s\",\"limit\":2,\"evalFraction\":0}}",
            shared("datasets/mbpp/mbpp.jsonl"));
    Item task = Datasets.itemsOf(mbpp.data(), 1, JSON).get(0);
    assertThat(JSON.writeValueAsString(task.tests())).contains("assert ");
  }

  @Test
  void aMissingFileAMissingColumnAndABrokenTemplateAreProblemsOfTheirFields() throws Exception {
    assertThat(
            DataSpecCheck.problems(
                spec("{\"data\":{\"format\":\"gsm8k\",\"path\":\"%s\"}}", tmp.resolve("none"))))
        .extracting(FieldProblem::field)
        .containsExactly("data.path");

    Path jsonl =
        Files.writeString(tmp.resolve("d.jsonl"), "{\"question\":\"2+2?\",\"gold\":\"4\"}\n");
    List<FieldProblem> column =
        DataSpecCheck.problems(
            spec(
                "{\"data\":{\"format\":\"jsonl\",\"path\":\"%s\",\"fields\":{\"prompt\":\"q\"}}}",
                jsonl));
    assertThat(column).extracting(FieldProblem::field).containsExactly("data.fields.prompt");
    assertThat(column.get(0).message()).doesNotContain("2+2");

    Path model = Files.createDirectories(tmp.resolve("model"));
    Path qwen2 = shared("tokenizers/qwen2");
    Files.copy(qwen2.resolve("tokenizer.json"), model.resolve("tokenizer.json"));
    var config =
        (tools.jackson.databind.node.ObjectNode)
            JSON.readTree(qwen2.resolve("tokenizer_config.json").toFile());
    config.put("chat_template", "{% if %}");
    Files.writeString(model.resolve("tokenizer_config.json"), JSON.writeValueAsString(config));
    List<FieldProblem> template =
        DataSpecCheck.problems(
            spec("{\"model\":{\"path\":\"%s\"},\"data\":{\"chatTemplate\":\"model\"}}", model));
    assertThat(template).extracting(FieldProblem::field).containsExactly("data.chatTemplate");
  }

  @Test
  void theRealQwen2TemplateRendersTheFirstQuestion() {
    RunSpec spec =
        spec(
            "{\"model\":{\"path\":\"%s\"},\"data\":{\"chatTemplate\":\"model\","
                + "\"thinkPrefilled\":true}}",
            shared("tokenizers/qwen2"));
    assertThat(DataSpecCheck.problems(spec)).isEmpty();
  }

  private static RunSpec spec(String json, Path path) {
    return JSON.readValue(json.formatted(path.toString()), RunSpec.class);
  }

  static Path shared(String relative) {
    return SharedData.path(relative);
  }
}
