package dev.grpo.policy.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Expected strings are what Python 3.11's {@code json.dumps(..., ensure_ascii=False)} prints. */
class PythonJsonTest {

  @Test
  void writesPythonSeparatorsAndKeepsNonAscii() {
    Map<String, Object> value = new LinkedHashMap<>();
    value.put("role", "user");
    value.put("content", "naïve \"q\" \\ 你好\n\t\u0001");
    value.put("list", Arrays.asList(1L, 2.5, null, true, List.of()));
    assertThat(new PythonJson(null, false).write(value))
        .isEqualTo(
            "{\"role\": \"user\", \"content\": \"naïve \\\"q\\\" \\\\ 你好\\n\\t\\u0001\","
                + " \"list\": [1, 2.5, null, true, []]}");
  }

  @Test
  void indentsAndSortsLikeJsonDumps() {
    Map<String, Object> value = new LinkedHashMap<>();
    value.put("b", List.of(1L));
    value.put("a", Map.of());
    assertThat(new PythonJson(2, true).write(value))
        .isEqualTo("{\n  \"a\": {},\n  \"b\": [\n    1\n  ]\n}");
  }

  @Test
  void writesFloatsAsPythonRepr() {
    assertThat(PythonJson.pythonFloat(1.0)).isEqualTo("1.0");
    assertThat(PythonJson.pythonFloat(0.1)).isEqualTo("0.1");
    assertThat(PythonJson.pythonFloat(-2.5)).isEqualTo("-2.5");
    assertThat(PythonJson.pythonFloat(1e-06)).isEqualTo("1e-06");
    assertThat(PythonJson.pythonFloat(0.0001)).isEqualTo("0.0001");
    assertThat(PythonJson.pythonFloat(1.5e16)).isEqualTo("1.5e+16");
    assertThat(PythonJson.pythonFloat(1e15)).isEqualTo("1000000000000000.0");
    assertThat(PythonJson.pythonFloat(123456.789)).isEqualTo("123456.789");
    assertThat(PythonJson.pythonFloat(-0.0)).isEqualTo("-0.0");
  }
}
