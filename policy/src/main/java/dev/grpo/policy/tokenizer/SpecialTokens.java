package dev.grpo.policy.tokenizer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The special token strings of a model, as {@code tokenizer_config.json} names them; a token the
 * model does not have is null.
 *
 * @param bos beginning of sequence, e.g. none for Qwen2, {@code <|im_start|>} for SmolLM2-Instruct
 * @param eos end of sequence, e.g. {@code <|im_end|>}
 * @param pad padding
 * @param unk unknown token
 * @param additional {@code additional_special_tokens}, in file order
 */
public record SpecialTokens(
    String bos, String eos, String pad, String unk, List<String> additional) {

  public SpecialTokens {
    additional = List.copyOf(additional);
  }

  /**
   * The variables Hugging Face's {@code apply_chat_template} passes to a template from the
   * tokenizer's special tokens map: {@code bos_token}, {@code eos_token}, {@code unk_token}, {@code
   * pad_token}, {@code additional_special_tokens}, each only when the model has it, so that {@code
   * bos_token is defined} means what it means there.
   */
  public Map<String, Object> templateVariables() {
    Map<String, Object> variables = new LinkedHashMap<>();
    putIfPresent(variables, "bos_token", bos);
    putIfPresent(variables, "eos_token", eos);
    putIfPresent(variables, "unk_token", unk);
    putIfPresent(variables, "pad_token", pad);
    if (!additional.isEmpty()) {
      variables.put("additional_special_tokens", additional);
    }
    return variables;
  }

  private static void putIfPresent(Map<String, Object> variables, String name, String value) {
    if (value != null) {
      variables.put(name, value);
    }
  }
}
