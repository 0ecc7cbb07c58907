package dev.grpo.rollout.openai;

import dev.grpo.api.rollout.RolloutRequest.Sampling;
import dev.grpo.rollout.backend.GenerationBatch.PromptInput;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The body of one {@code POST /v1/completions}. Every field that changes what is sampled is sent
 * explicitly: vLLM fills absent fields from the model's generation_config (a repetition penalty,
 * another temperature) and defaults {@code max_tokens} to 16.
 */
final class CompletionsRequestBody {

  private CompletionsRequestBody() {}

  static ObjectNode of(
      JsonMapper mapper,
      String model,
      PromptInput prompt,
      int n,
      Sampling sampling,
      String requestId) {
    ObjectNode body = mapper.createObjectNode();
    body.put("model", model);
    if (prompt.tokenIds() != null) {
      // token-in: the server does not tokenize again, so no retokenization drift
      ArrayNode ids = body.putArray("prompt");
      for (int id : prompt.tokenIds()) {
        ids.add(id);
      }
    } else {
      body.put("prompt", prompt.text());
    }
    body.put("n", n);
    body.put("temperature", sampling.temperature());
    body.put("top_p", sampling.topP());
    // 0 means "no top-k cut" in this API; -1 means the same to vLLM and SGLang, old and new
    body.put("top_k", sampling.topK() == 0 ? -1 : sampling.topK());
    body.put("min_p", 0.0);
    body.put("max_tokens", sampling.maxTokens());
    body.put("min_tokens", 0);
    ArrayNode stop = body.putArray("stop");
    sampling.stop().forEach(stop::add);
    if (sampling.seed() == null) {
      body.putNull("seed");
    } else {
      body.put("seed", sampling.seed());
    }
    body.put("presence_penalty", 0.0);
    body.put("frequency_penalty", 0.0);
    body.put("repetition_penalty", 1.0);
    // the sampled token's log-prob comes with any logprobs >= 0; 1 also works where 0 is falsy
    body.put("logprobs", 1);
    body.put("echo", false);
    body.put("stream", false);
    body.put("ignore_eos", false);
    body.put("skip_special_tokens", false);
    body.put("include_stop_str_in_output", true);
    // token-out: token_ids as ints, and logprob tokens as "token_id:<id>" where token_ids is absent
    body.put("return_token_ids", true);
    body.put("return_tokens_as_token_ids", true);
    body.put("request_id", requestId);
    return body;
  }
}
