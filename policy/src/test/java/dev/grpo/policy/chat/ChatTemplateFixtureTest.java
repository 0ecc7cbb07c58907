package dev.grpo.policy.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.grpo.policy.tokenizer.ModelTokenizer;
import dev.grpo.policy.tokenizer.SharedTokenizers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Renders every case of {@code chat/chat-template-fixtures.json} (written by Jinja2 as
 * transformers' {@code apply_chat_template} renders, see {@code
 * src/test/python/chat_template_fixtures.py}) and requires the identical string, or the same error.
 * The templates come from the real Qwen2 and SmolLM2 tokenizer folders, loaded by {@link
 * ModelTokenizer}.
 */
class ChatTemplateFixtureTest {

  private static final int FIXTURE_CASES = 160;

  @TempDir Path smollm2Dir;

  @TestFactory
  Stream<DynamicTest> rendersEveryFixtureExactlyAsJinja2() throws IOException {
    for (String folder : List.of("qwen2", "smollm2-135m-instruct")) {
      if (SharedTokenizers.find(folder).isEmpty()) {
        String reason = SharedTokenizers.missing(folder);
        return Stream.of(DynamicTest.dynamicTest("fixtures", () -> assumeTrue(false, reason)));
      }
    }
    JsonArray cases = fixtures().getAsJsonArray("cases");
    assertThat(cases).hasSize(FIXTURE_CASES);
    Map<String, ChatTemplate> templates = templates();
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonElement element : cases) {
      JsonObject c = element.getAsJsonObject();
      String name =
          c.get("template").getAsString()
              + " / "
              + c.get("conversation").getAsString()
              + " / add_generation_prompt="
              + c.get("add_generation_prompt").getAsBoolean();
      ChatTemplate template = templates.get(c.get("template").getAsString());
      tests.add(DynamicTest.dynamicTest(name, () -> check(template, c)));
    }
    return tests.stream();
  }

  private static void check(ChatTemplate template, JsonObject c) {
    List<ChatMessage> messages = new ArrayList<>();
    for (JsonElement m : c.getAsJsonArray("messages")) {
      JsonObject message = m.getAsJsonObject();
      messages.add(
          new ChatMessage(message.get("role").getAsString(), message.get("content").getAsString()));
    }
    boolean addGenerationPrompt = c.get("add_generation_prompt").getAsBoolean();
    if (c.has("error")) {
      assertThatThrownBy(() -> template.render(messages, addGenerationPrompt))
          .isInstanceOfSatisfying(
              TemplateRenderException.class,
              e -> {
                assertThat(e.templateName()).isEqualTo(template.name());
                assertThat(e.reason()).endsWith(c.get("error").getAsString());
              });
    } else {
      assertThat(template.render(messages, addGenerationPrompt))
          .isEqualTo(c.get("rendered").getAsString());
    }
  }

  private Map<String, ChatTemplate> templates() throws IOException {
    String features = resource("/chat/engine-features.jinja");
    String stringMethods = resource("/chat/string-methods.jinja");
    try (ModelTokenizer qwen2 = ModelTokenizer.load(SharedTokenizers.qwen2());
        ModelTokenizer smollm2 =
            ModelTokenizer.load(SharedTokenizers.smollm2WithTokenizerConfig(smollm2Dir))) {
      return Map.of(
          "qwen2", ChatTemplate.of("qwen2", qwen2),
          "smollm2-135m-instruct", ChatTemplate.of("smollm2-135m-instruct", smollm2),
          "engine-features/qwen2-tokens",
              ChatTemplate.of("engine-features", features, qwen2.specialTokens()),
          "engine-features/smollm2-tokens",
              ChatTemplate.of("engine-features", features, smollm2.specialTokens()),
          "string-methods",
              ChatTemplate.of("string-methods", stringMethods, qwen2.specialTokens()));
    }
  }

  private static JsonObject fixtures() throws IOException {
    return JsonParser.parseString(resource("/chat/chat-template-fixtures.json")).getAsJsonObject();
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = ChatTemplateFixtureTest.class.getResourceAsStream(name)) {
      return new String(Objects.requireNonNull(in, name).readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
