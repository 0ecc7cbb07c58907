package dev.grpo.api.rollout;

import dev.grpo.api.problem.FieldProblem;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * {@code POST /api/v1/rollouts}: sample {@code n} completions for each prompt from the policy at
 * {@code policyVersion}. The call is idempotent on (run, step, item, sample index): a retry returns
 * the samples the ledger already holds.
 *
 * @param backend the configured backend to sample from; absent means the default backend
 */
public record RolloutRequest(
    @NotNull UUID runId,
    @NotNull @PositiveOrZero Integer step,
    @NotNull @PositiveOrZero Long policyVersion,
    @NotNull @Size(min = 1, max = 8192) List<@NotNull @Valid Prompt> prompts,
    @NotNull @Min(1) @Max(1024) Integer n,
    @NotNull @Valid Sampling sampling,
    @Pattern(regexp = "[a-z][a-z0-9_-]{0,63}", message = "must be a backend name") String backend) {

  public RolloutRequest {
    sampling = sampling == null ? new Sampling(null, null, null, null, null, null) : sampling;
  }

  /**
   * One prompt, either as text (the backend tokenizes it) or as token ids (token-in, no second
   * tokenization).
   */
  public record Prompt(
      @NotBlank @Size(max = 200) String itemId,
      @Size(max = 1_000_000) String text,
      @Size(max = 262_144) List<@NotNull @PositiveOrZero Integer> tokenIds) {}

  /**
   * How to sample. Every field has an explicit default here and is sent to the backend explicitly,
   * so no server-side default (vLLM's {@code max_tokens=16}, a model's generation_config) applies.
   *
   * @param topK 0 means no top-k cut
   * @param seed absent means unseeded
   */
  public record Sampling(
      @NotNull @DecimalMin("0.0") @DecimalMax("10.0") Double temperature,
      @NotNull @DecimalMin(value = "0.0", inclusive = false) @DecimalMax("1.0") Double topP,
      @NotNull @Min(0) Integer topK,
      @NotNull @Min(1) @Max(131_072) Integer maxTokens,
      @NotNull @Size(max = 16) List<@NotBlank @Size(max = 64) String> stop,
      Long seed) {
    public Sampling {
      temperature = temperature == null ? 1.0 : temperature;
      topP = topP == null ? 1.0 : topP;
      topK = topK == null ? 0 : topK;
      maxTokens = maxTokens == null ? 256 : maxTokens;
      stop = stop == null ? List.of() : stop;
    }
  }

  /** Problems that involve more than one field: text xor token ids, unique item ids. */
  public List<FieldProblem> crossFieldProblems() {
    List<FieldProblem> problems = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < prompts.size(); i++) {
      Prompt p = prompts.get(i);
      if (p == null) {
        continue;
      }
      boolean hasText = p.text() != null && !p.text().isEmpty();
      boolean hasTokens = p.tokenIds() != null && !p.tokenIds().isEmpty();
      if (hasText == hasTokens) {
        problems.add(
            new FieldProblem(
                "prompts[" + i + "]", "give exactly one of text or tokenIds, and not empty"));
      }
      if (p.itemId() != null && !seen.add(p.itemId())) {
        problems.add(
            new FieldProblem(
                "prompts[" + i + "].itemId", "duplicate item id '" + p.itemId() + "'"));
      }
    }
    return problems;
  }
}
