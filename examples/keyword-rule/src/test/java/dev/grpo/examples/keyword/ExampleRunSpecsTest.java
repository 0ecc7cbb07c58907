package dev.grpo.examples.keyword;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.api.run.DataSource;
import dev.grpo.api.run.RunSpec;
import dev.grpo.web.RecordBinder;
import jakarta.validation.Validation;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** The run specs in examples/runs are what POST /api/v1/runs accepts. */
class ExampleRunSpecsTest {

  private static final Path RUNS = Path.of("..", "runs");
  private final JsonMapper mapper = JsonMapper.builder().build();
  private final RecordBinder binder =
      new RecordBinder(mapper, Validation.buildDefaultValidatorFactory().getValidator());

  private RunSpec bind(String file) throws Exception {
    // bind() throws InvalidRequestException naming every field the trainer would reject
    RunSpec spec =
        binder.bind(mapper.readTree(Files.readString(RUNS.resolve(file))), RunSpec.class);
    assertThat(spec.crossFieldProblems()).isEmpty();
    return spec;
  }

  @Test
  void theArithmeticRunUsesTheBuiltInGeneratorWithMathAndFormatRewards() throws Exception {
    RunSpec spec = bind("arithmetic-grpo.json");
    assertThat(spec.data().source()).isEqualTo(DataSource.GENERATOR);
    assertThat(spec.data().generator()).isEqualTo("arithmetic");
    assertThat(spec.algorithm().groupSize()).isEqualTo(8);
    assertThat(spec.rewards())
        .extracting(RunSpec.Reward::rule, RunSpec.Reward::weight)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("math_accuracy", 1.0),
            org.assertj.core.groups.Tuple.tuple("format", 0.5));
  }

  @Test
  void theKeywordRunAddsTheRemoteRuleWithoutParams() throws Exception {
    RunSpec spec = bind("arithmetic-grpo-keyword-coverage.json");
    assertThat(spec.rewards())
        .extracting(RunSpec.Reward::rule)
        .containsExactly("math_accuracy", "format", "keyword_coverage");
    RunSpec.Reward keyword = spec.rewards().get(2);
    assertThat(keyword.weight()).isEqualTo(0.25);
    // the reward service answers 400 to params for a remote rule
    assertThat(keyword.params()).isEmpty();
    RunSpec plain = bind("arithmetic-grpo.json");
    assertThat(spec.algorithm()).isEqualTo(plain.algorithm());
    assertThat(spec.data()).isEqualTo(plain.data());
  }
}
