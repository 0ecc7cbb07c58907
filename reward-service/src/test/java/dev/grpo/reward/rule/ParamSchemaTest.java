package dev.grpo.reward.rule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ParamSchemaTest {

  private final ParamSchema schema =
      ParamSchema.of(
          new ParamSpec("size", ParamType.INTEGER, 3, "an int"),
          new ParamSpec("weight", ParamType.NUMBER, -1.0, "a number"),
          new ParamSpec("strict", ParamType.BOOLEAN, true, "a flag"),
          new ParamSpec("mode", ParamType.STRING, "a", List.of("a", "b"), "a choice"),
          new ParamSpec("langs", ParamType.STRING_LIST, List.of("en"), List.of("en", "fr"), "list"),
          new ParamSpec("limit", ParamType.INTEGER, null, "optional"));

  @Test
  void absentParamsTakeTheirDefaults() {
    ParamSchema.Values values = schema.parse(null);

    assertThat(values.getInteger("size")).isEqualTo(3);
    assertThat(values.getDouble("weight")).isEqualTo(-1.0);
    assertThat(values.getBoolean("strict")).isTrue();
    assertThat(values.getString("mode")).isEqualTo("a");
    assertThat(values.getStringList("langs")).containsExactly("en");
    assertThat(values.getInteger("limit")).isNull();
  }

  @Test
  void givenParamsOverrideDefaultsAndJsonNumbersAreConverted() {
    ParamSchema.Values values =
        schema.parse(
            Map.of(
                "size", 5L, "weight", 2, "mode", "b", "langs", List.of("fr", "en"), "limit", 7.0));

    assertThat(values.getInteger("size")).isEqualTo(5);
    assertThat(values.getDouble("weight")).isEqualTo(2.0);
    assertThat(values.getString("mode")).isEqualTo("b");
    assertThat(values.getStringList("langs")).containsExactly("fr", "en");
    assertThat(values.getInteger("limit")).isEqualTo(7);
  }

  @Test
  void unknownKeyIsRejectedByName() {
    assertThatThrownBy(() -> schema.parse(Map.of("ngram", 3)))
        .isInstanceOf(InvalidParamException.class)
        .hasMessageContaining("'ngram'")
        .hasMessageContaining("unknown")
        .extracting(e -> ((InvalidParamException) e).param())
        .isEqualTo("ngram");
  }

  @Test
  void wrongTypesAreRejectedByName() {
    assertRejected(Map.of("size", "3"), "size", "must be an integer");
    assertRejected(Map.of("size", 3.5), "size", "must be an integer");
    assertRejected(Map.of("size", 1L << 40), "size", "must be an integer");
    assertRejected(Map.of("weight", "x"), "weight", "must be a number");
    assertRejected(Map.of("weight", Double.NaN), "weight", "must be a number");
    assertRejected(Map.of("strict", "true"), "strict", "must be a boolean");
    assertRejected(Map.of("mode", 1), "mode", "must be a string");
    assertRejected(Map.of("langs", List.of("en", 3)), "langs", "must be a list of strings");
  }

  @Test
  void valuesOutsideTheChoicesAreRejected() {
    assertRejected(Map.of("mode", "c"), "mode", "'c' is not one of [a, b]");
    assertRejected(Map.of("langs", List.of("en", "xx")), "langs", "'xx' is not one of");
  }

  @Test
  void nullIsOnlyAcceptedWhereTheDefaultIsNull() {
    Map<String, Object> nullLimit = new HashMap<>();
    nullLimit.put("limit", null);
    assertThat(schema.parse(nullLimit).getInteger("limit")).isNull();

    Map<String, Object> nullSize = new HashMap<>();
    nullSize.put("size", null);
    assertRejected(nullSize, "size", "got null");
  }

  private void assertRejected(Map<String, ?> raw, String param, String message) {
    assertThatThrownBy(() -> schema.parse(raw))
        .isInstanceOf(InvalidParamException.class)
        .hasMessageContaining("'" + param + "'")
        .hasMessageContaining(message)
        .extracting(e -> ((InvalidParamException) e).param())
        .isEqualTo(param);
  }
}
