package dev.grpo.rollout.openai;

import dev.grpo.rollout.backend.BackendException;
import dev.grpo.rollout.backend.BackendException.Kind;
import dev.grpo.rollout.backend.GeneratedSample;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Reads the samples out of a {@code /v1/completions} response in vLLM's shape: {@code choices[]}
 * with {@code index}, {@code text}, {@code finish_reason}, {@code token_ids} (with {@code
 * return_token_ids}) and the legacy parallel arrays {@code logprobs.tokens} / {@code
 * logprobs.token_logprobs}. Without {@code token_ids}, the ids come from tokens rendered as {@code
 * token_id:<id>}. Anything the ledger could not store faithfully is an error, never a guess.
 */
final class CompletionsResponse {

  static final String TOKEN_ID_PREFIX = "token_id:";

  private CompletionsResponse() {}

  static List<GeneratedSample> samples(JsonNode response, int n) {
    JsonNode choices = response.path("choices");
    if (!choices.isArray()) {
      throw bad("the response has no choices array");
    }
    if (choices.size() != n) {
      throw bad("asked for n=" + n + " samples but got " + choices.size() + " choices");
    }
    List<JsonNode> ordered = new ArrayList<>();
    choices.forEach(ordered::add);
    ordered.sort(Comparator.comparingInt(c -> c.path("index").asInt(-1)));
    List<GeneratedSample> samples = new ArrayList<>(n);
    for (int i = 0; i < ordered.size(); i++) {
      JsonNode choice = ordered.get(i);
      if (choice.path("index").asInt(-1) != i) {
        throw bad("choice indexes are not 0.." + (n - 1));
      }
      samples.add(sample(choice, i));
    }
    return samples;
  }

  private static GeneratedSample sample(JsonNode choice, int index) {
    String where = "choice " + index + ": ";
    String finish =
        choice.path("finish_reason").isString() ? choice.get("finish_reason").asString() : null;
    if (!"stop".equals(finish) && !"length".equals(finish)) {
      throw bad(where + "finish_reason must be stop or length, got " + finish);
    }
    JsonNode logprobs = choice.path("logprobs");
    JsonNode values = logprobs.path("token_logprobs");
    if (!values.isArray()) {
      throw bad(where + "no logprobs.token_logprobs; the server ignored logprobs");
    }
    float[] lp = new float[values.size()];
    for (int t = 0; t < lp.length; t++) {
      JsonNode v = values.get(t);
      if (!v.isNumber()) {
        throw bad(where + "token_logprobs[" + t + "] is " + v);
      }
      lp[t] = (float) v.asDouble();
    }
    int[] ids = tokenIds(choice, logprobs, where);
    if (ids.length != lp.length) {
      throw bad(where + ids.length + " token ids but " + lp.length + " log-probs");
    }
    String text = choice.path("text").isString() ? choice.get("text").asString() : "";
    return new GeneratedSample(text, ids, lp, finish);
  }

  private static int[] tokenIds(JsonNode choice, JsonNode logprobs, String where) {
    JsonNode ids = choice.path("token_ids");
    if (ids.isArray()) {
      int[] out = new int[ids.size()];
      for (int t = 0; t < out.length; t++) {
        if (!ids.get(t).isIntegralNumber()) {
          throw bad(where + "token_ids[" + t + "] is " + ids.get(t));
        }
        out[t] = ids.get(t).asInt();
      }
      return out;
    }
    JsonNode tokens = logprobs.path("tokens");
    if (!tokens.isArray()) {
      throw bad(where + "neither token_ids nor logprobs.tokens; token ids are needed");
    }
    int[] out = new int[tokens.size()];
    for (int t = 0; t < out.length; t++) {
      String token = tokens.get(t).asString();
      if (token == null || !token.startsWith(TOKEN_ID_PREFIX)) {
        throw bad(
            where
                + "logprobs.tokens["
                + t
                + "] is '"
                + token
                + "', not token_id:<id>; the server ignored return_tokens_as_token_ids");
      }
      try {
        out[t] = Integer.parseInt(token.substring(TOKEN_ID_PREFIX.length()));
      } catch (NumberFormatException e) {
        throw bad(where + "logprobs.tokens[" + t + "] is '" + token + "'");
      }
    }
    return out;
  }

  /** The error message of a 4xx/5xx body in OpenAI's, vLLM's or any other shape. */
  static String errorMessage(JsonNode body, String raw) {
    if (body != null) {
      JsonNode error = body.path("error");
      if (error.path("message").isString()) {
        return error.get("message").asString();
      }
      if (error.isString()) {
        return error.asString();
      }
      if (body.path("message").isString()) {
        return body.get("message").asString();
      }
      if (body.path("detail").isString()) {
        return body.get("detail").asString();
      }
    }
    String s = raw == null ? "" : raw.strip();
    return s.length() > 500 ? s.substring(0, 500) + "…" : s;
  }

  private static BackendException bad(String message) {
    return new BackendException(Kind.BAD_RESPONSE, message);
  }
}
