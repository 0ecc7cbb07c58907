package dev.grpo.reward.judge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.reward.sandbox.Language;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CodeExecutionRuleTest {

  @Test
  void theLastCompleteFenceWinsWithItsTag() {
    String completion =
        """
        <think>first try
        ```python
        print(1)
        ```
        better:
        ````cpp title="x"
        int main() { return 0; }
        ```
        still inside
        ````
        </think>
        ```
        unclosed
        """;
    FencedCode code = FencedCode.last(completion).orElseThrow();
    assertThat(code.tag()).isEqualTo("cpp");
    assertThat(code.code()).isEqualTo("int main() { return 0; }\n```\nstill inside\n");
    assertThat(FencedCode.last("no code here")).isEmpty();
    assertThat(FencedCode.last("~~~\nx = 1\n~~~").orElseThrow().tag()).isNull();
    FencedCode glued = FencedCode.last("<answer>```python\nprint(2)\n```</answer>").orElseThrow();
    assertThat(glued.tag()).isEqualTo("python");
    assertThat(glued.code()).isEqualTo("print(2)\n");
  }

  @Test
  void testsInEveryAcceptedShapeBecomeCases() {
    var list =
        CodeExecutionRule.parseTests(
            List.of(
                Map.of("input", "1 2", "output", "3"),
                Map.of("stdin", "x", "stdout", "y", "comparison", "exact"),
                Map.of("call", "add", "args", List.of(1, 2), "expected", 3),
                Map.of("assert", "assert add(2, 2) == 4")));
    assertThat(list.cases())
        .containsExactly(
            new TestCase.Stdio("1 2", "3"),
            new TestCase.Stdio("x", "y", OutputComparison.EXACT),
            new TestCase.PythonCall("add", "[1,2]", "3"),
            new TestCase.PythonAssert("assert add(2, 2) == 4"));

    var apps =
        CodeExecutionRule.parseTests(
            Map.of("inputs", List.of(List.of(1, 2)), "outputs", List.of(3), "fn_name", "add"));
    assertThat(apps.cases()).containsExactly(new TestCase.PythonCall("add", "[1,2]", "3"));

    var json =
        CodeExecutionRule.parseTests(
            "{\"language\": \"c\", \"cases\": [{\"input\": \"5\", \"output\": \"25\","
                + " \"comparison\": \"float:0.01\"}]}");
    assertThat(json.language()).isEqualTo(Language.C);
    assertThat(json.cases())
        .containsExactly(new TestCase.Stdio("5", "25", OutputComparison.floatTolerance(0.01)));
  }

  @Test
  void malformedTestsAreRefusedWithTheReason() {
    assertThatThrownBy(() -> CodeExecutionRule.parseTests(Map.of("cases", List.of("x"))))
        .hasMessageContaining("case 0 is not an object");
    assertThatThrownBy(
            () ->
                CodeExecutionRule.parseTests(
                    Map.of("inputs", List.of("1", "2"), "outputs", List.of("1"))))
        .hasMessageContaining("2 inputs but 1 outputs");
    assertThatThrownBy(() -> CodeExecutionRule.parseTests(List.of(Map.of("input", "1"))))
        .hasMessageContaining("needs 'output'");
  }
}
