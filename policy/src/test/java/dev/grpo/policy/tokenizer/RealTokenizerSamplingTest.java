package dev.grpo.policy.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import dev.grpo.policy.chat.ChatTemplate;
import dev.grpo.policy.chat.PromptTemplate;
import dev.grpo.policy.chat.RenderedPrompt;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import dev.grpo.policy.sampling.BatchSampler;
import dev.grpo.policy.sampling.SampleOutput;
import dev.grpo.policy.sampling.SamplingParams;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The real Qwen2 tokenizer in the sampler with a random Qwen2-shaped model of the real embedding
 * size (151,936 rows for 151,646 tokens): prompts rendered by the model's chat template,
 * left-padded with its padding id, completions decoded as {@link ModelTokenizer#decodeCompletion}
 * decodes them.
 */
class RealTokenizerSamplingTest {

  @Test
  void samplesFromChatPromptsAndDecodesWithTheRealTokenizer() {
    ModelConfig config =
        new ModelConfig(
            "qwen2", 32, 64, 1, 2, 1, 16, 151_936, 256, 1e-6, 1_000_000.0, true, true, false);
    try (ModelTokenizer tokenizer = ModelTokenizer.load(SharedTokenizers.qwen2());
        DecoderModel model = DecoderModel.randomInit(config, 7, Device.cpu())) {
      PromptTemplate template =
          PromptTemplate.chat(ChatTemplate.of("qwen2", tokenizer), null, true);
      RenderedPrompt first = template.render("What is 2+3?");
      RenderedPrompt second = template.render("Сколько будет 7×8？用中文回答。");
      assertThat(first.text())
          .isEqualTo(
              "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
                  + "<|im_start|>user\nWhat is 2+3?<|im_end|>\n<|im_start|>assistant\n<think>");
      List<int[]> prompts =
          List.of(tokenizer.encode(first.text()), tokenizer.encode(second.text()));
      SamplingParams params =
          SamplingParams.builder()
              .n(3)
              .temperature(1f)
              .maxTokens(10)
              .seed(11)
              .stopTokenIds(
                  Arrays.stream(tokenizer.stopTokenIds()).boxed().collect(Collectors.toSet()))
              .build();
      List<SampleOutput> outputs = new BatchSampler(model, tokenizer).generate(prompts, params);
      assertThat(outputs).hasSize(6);
      for (SampleOutput out : outputs) {
        assertThat(Arrays.stream(out.tokenIds()).max().orElse(0)).isLessThan(151_936);
        CompletionText decoded = tokenizer.decodeCompletion(out.tokenIds());
        assertThat(out.text()).isEqualTo(decoded.text());
        assertThat(out.stopTokenId()).isEqualTo(decoded.stopped() ? decoded.stopTokenId() : -1);
        assertThat(first.scoredCompletion(out.text())).startsWith("<think>");
      }
    }
  }
}
