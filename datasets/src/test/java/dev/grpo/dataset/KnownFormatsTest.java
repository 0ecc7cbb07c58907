package dev.grpo.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class KnownFormatsTest {

  @Test
  void gsm8kTakesTheAnswerAfterTheMarkerAndDropsCalculatorAnnotations() throws Exception {
    List<DatasetRecord> records =
        DatasetFiles.read(SharedData.sample("gsm8k-sample.jsonl"), DatasetFormat.GSM8K, null, 10);
    assertThat(records).hasSize(3);
    DatasetRecord ducks = records.get(0);
    assertThat(ducks.prompt()).startsWith("Janet’s ducks lay 16 eggs per day.");
    assertThat(ducks.answer()).isEqualTo("18");
    assertThat(ducks.solution())
        .isEqualTo(
            "Janet sells 16 - 3 - 4 = 9 duck eggs a day.\n"
                + "She makes 9 * 2 = $18 every day at the farmer’s market.");
    assertThat(ducks.id()).isEqualTo("line-1");
    assertThat(ducks.tests()).isEmpty();
  }

  @Test
  void everyGsm8kTestAnswerIsANumber() {
    Path file = SharedData.dataset("gsm8k/test.jsonl");
    List<DatasetRecord> records = DatasetFiles.read(file, DatasetFormat.GSM8K, null, 100_000);
    assertThat(records).hasSize(1319);
    assertThat(records).allSatisfy(r -> assertThat(r.answer()).matches("-?\\d+(\\.\\d+)?"));
    assertThat(records).allSatisfy(r -> assertThat(r.solution()).doesNotContain("<<", "####"));
  }

  @Test
  void mathTakesTheLastBoxWithNestedBraces() {
    Path file = SharedData.dataset("math/math_test_1000.jsonl");
    List<DatasetRecord> records = DatasetFiles.read(file, DatasetFormat.MATH, null, 100_000);
    assertThat(records).hasSize(1000);
    assertThat(records.get(0).answer()).isEqualTo("1000000");
    assertThat(records).allSatisfy(r -> assertThat(r.answer()).isNotBlank());
    // a gold answer with braces inside stays whole
    assertThat(records.stream().map(DatasetRecord::answer).filter(a -> a.contains("\\frac{")))
        .isNotEmpty()
        .allSatisfy(
            a ->
                assertThat(a.chars().filter(c -> c == '{').count())
                    .isEqualTo(a.chars().filter(c -> c == '}').count()));
  }

  @Test
  void humanEvalTestsAcceptTheCanonicalSolutionAndRejectAWrongOne() throws Exception {
    Path file = SharedData.dataset("humaneval/HumanEval.jsonl.gz");
    List<DatasetRecord> records = DatasetFiles.read(file, DatasetFormat.HUMANEVAL, null, 1000);
    assertThat(records).hasSize(164);
    assertThat(records).allSatisfy(r -> assertThat(r.tests()).hasSize(1));
    for (DatasetRecord r : records.subList(0, 12)) {
      String test = (String) r.tests().get(0).get("assert");
      String solution = PythonRun.unfenced(r.solution());
      assertThat(PythonRun.passes(solution + "\n" + test)).as(r.id()).isTrue();
      String entry = test.substring(test.lastIndexOf("check(") + 6, test.lastIndexOf(')'));
      String wrong = "def " + entry + "(*args, **kwargs):\n    return None\n";
      assertThat(PythonRun.passes(wrong + "\n" + test)).as(r.id() + " wrong").isFalse();
    }
    assertThat(records.get(0).prompt()).contains("def has_close_elements(");
    assertThat(records.get(0).testLanguage()).isEqualTo("python");
  }

  @Test
  void mbppAssertsAcceptTheReferenceCode() throws Exception {
    List<DatasetRecord> records =
        DatasetFiles.read(SharedData.sample("mbpp-sample.jsonl"), DatasetFormat.MBPP, null, 10);
    assertThat(records).hasSize(3);
    DatasetRecord first = records.get(0);
    assertThat(first.id()).isEqualTo("1");
    assertThat(first.tests()).hasSize(3);
    assertThat(first.prompt()).contains("assert min_cost(");
    String code = PythonRun.unfenced(first.solution());
    for (var test : first.tests()) {
      assertThat(PythonRun.passes(code + "\n" + test.get("assert"))).isTrue();
      assertThat(PythonRun.passes("def min_cost(*a):\n    return 0\n" + test.get("assert")))
          .isFalse();
    }
  }

  @Test
  void theWholeMbppFileReads() {
    Path file = SharedData.dataset("mbpp/mbpp.jsonl");
    List<DatasetRecord> records = DatasetFiles.read(file, DatasetFormat.MBPP, null, 100_000);
    assertThat(records).hasSize(974);
    assertThat(records).allSatisfy(r -> assertThat(r.tests()).isNotEmpty());
  }
}
