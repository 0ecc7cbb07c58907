package dev.grpo.policy.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.tokenizer.CharTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Greedy generation by {@link BatchSampler} (the {@code DecodeSession} path: fused and folded
 * weights, preallocated cache) against plain PyTorch ({@code src/test/python/greedy_fixture.py},
 * committed under {@code src/test/resources/greedy}): the same left-padded prompts give exactly the
 * same tokens, and their log-probabilities agree to 1e-4. {@code llama_long} decodes 200 tokens
 * past prompts of 30–60.
 */
class GreedyParityTest {

  private static final Path PARITY = Path.of("src/test/resources/parity");
  private static final Path GREEDY = Path.of("src/test/resources/greedy");

  @ParameterizedTest
  @ValueSource(strings = {"llama_gqa", "qwen2_tied", "llama_bias_mha", "llama_long"})
  void greedyTokensAreExactlyPyTorchs(String name) throws IOException {
    JsonObject fixture =
        new Gson().fromJson(Files.readString(GREEDY.resolve(name + ".json")), JsonObject.class);
    List<int[]> prompts = Arrays.asList(new Gson().fromJson(fixture.get("prompts"), int[][].class));
    int maxNew = fixture.get("max_new_tokens").getAsInt();
    int[][] tokens = new Gson().fromJson(fixture.get("tokens"), int[][].class);
    float[][] logProbs = new Gson().fromJson(fixture.get("log_probs"), float[][].class);
    SamplingParams params =
        SamplingParams.builder().temperature(0f).maxTokens(maxNew).ignoreEos(true).build();
    try (DecoderModel model = DecoderModel.load(PARITY.resolve(name), Device.cpu())) {
      List<SampleOutput> out =
          new BatchSampler(model, new CharTokenizer()).generate(prompts, params);
      float worst = 0;
      for (int i = 0; i < prompts.size(); i++) {
        assertThat(out.get(i).tokenIds()).as("row %d of %s", i, name).containsExactly(tokens[i]);
        for (int t = 0; t < maxNew; t++) {
          worst = Math.max(worst, Math.abs(out.get(i).logProbs()[t] - logProbs[i][t]));
        }
      }
      System.out.printf(
          "greedy %s: %d rows x %d tokens equal, log-prob max error %.3g%n",
          name, prompts.size(), maxNew, worst);
      assertThat(worst).isLessThan(1e-4f);
    }
  }
}
