package dev.grpo.reward.judge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class TestCaseJudgeTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static boolean eq(String a, String b, double tol) {
    JsonNode x = JSON.readTree(a);
    JsonNode y = JSON.readTree(b);
    return TestCaseJudge.jsonEquals(x, y, tol);
  }

  @Test
  void jsonEqualityComparesNumbersByValue() {
    assertThat(eq("3", "3.0", 0)).isTrue();
    assertThat(eq("3", "3.0000001", 0)).isFalse();
    assertThat(eq("3", "3.0000001", 1e-6)).isTrue();
    assertThat(eq("[1, [2, {\"a\": 0.5}]]", "[1, [2, {\"a\": 0.5}]]", 0)).isTrue();
    assertThat(eq("[1, 2]", "[2, 1]", 0)).isFalse();
    assertThat(eq("[1, 2]", "[1, 2, 3]", 0)).isFalse();
    assertThat(eq("{\"a\": 1, \"b\": 2}", "{\"b\": 2, \"a\": 1}", 0)).isTrue();
    assertThat(eq("{\"a\": 1}", "{\"b\": 1}", 0)).isFalse();
    assertThat(eq("\"1\"", "1", 0)).isFalse();
    assertThat(eq("true", "true", 0)).isTrue();
    assertThat(eq("null", "false", 0)).isFalse();
  }

  @Test
  void testCasesValidateTheirInput() {
    assertThatThrownBy(() -> new TestCase.PythonCall("os.system", "[]", "0"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TestCase.PythonAssert("  "))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TestCase.Stdio(null, "x"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void tailKeepsTheEnd() {
    String s = "x".repeat(600) + "END";
    assertThat(TestCaseJudge.tail(s)).endsWith("END").hasSize(515);
    assertThat(TestCaseJudge.tail("short")).isEqualTo("short");
  }
}
