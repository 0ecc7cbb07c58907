package dev.grpo.trainer.step;

import dev.grpo.api.run.RejectionSampling;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import tools.jackson.databind.node.ObjectNode;

/**
 * Which samples of one prompt a rejection-sampling stage keeps: a sample is rejected for the first
 * reason that applies, in this order: {@code truncated} (cut off by the token limit), {@code
 * too_long}, {@code <rule>_unscored} (a threshold's rule gave no score), {@code <rule>_below}
 * (under its threshold), {@code duplicate} (the same text as an earlier kept sample of the prompt),
 * {@code over_cap} (the prompt has its {@code maxPerPrompt} already).
 */
final class RejectionFilter {

  /**
   * One sample as the filter sees it.
   *
   * @param scores per rule, its score; a rule that did not score the sample is absent
   */
  record Candidate(String text, int tokens, boolean truncated, Map<String, Double> scores) {}

  /** Kept and rejected counts, by reason. */
  static final class Counts {
    private int prompts;
    private int samples;
    private int kept;
    private long sampledTokens;
    private final Map<String, Integer> rejected = new TreeMap<>();

    int kept() {
      return kept;
    }

    int samples() {
      return samples;
    }

    /**
     * Counts the tokens the sampled policy processed for one prompt's samples (its prompt, once per
     * sample, and the completions): the sampling's compute, the policy's and not a student's.
     */
    void sampled(long tokens) {
      sampledTokens += tokens;
    }

    Map<String, Integer> rejected() {
      return rejected;
    }

    ObjectNode writeTo(ObjectNode out) {
      out.put("prompts", prompts);
      out.put("samples", samples);
      out.put("kept", kept);
      out.put("rejected_total", samples - kept);
      out.put("sampled_tokens", sampledTokens);
      ObjectNode reasons = out.putObject("rejected");
      rejected.forEach(reasons::put);
      return out;
    }
  }

  private final RejectionSampling settings;

  RejectionFilter(RejectionSampling settings) {
    this.settings = settings;
  }

  /**
   * The indices of the kept candidates of one prompt, counting every decision in {@code counts}.
   */
  List<Integer> keep(List<Candidate> candidates, Counts counts) {
    counts.prompts++;
    List<Integer> kept = new ArrayList<>();
    Set<String> texts = new HashSet<>();
    for (int i = 0; i < candidates.size(); i++) {
      counts.samples++;
      String reason = rejection(candidates.get(i), texts, kept.size());
      if (reason == null) {
        kept.add(i);
        texts.add(candidates.get(i).text());
        counts.kept++;
      } else {
        counts.rejected.merge(reason, 1, Integer::sum);
      }
    }
    return kept;
  }

  private String rejection(Candidate c, Set<String> keptTexts, int keptSoFar) {
    if (c.truncated() && !settings.keepTruncated()) {
      return "truncated";
    }
    if (settings.maxCompletionTokens() > 0 && c.tokens() > settings.maxCompletionTokens()) {
      return "too_long";
    }
    for (Map.Entry<String, Double> t : new TreeMap<>(settings.thresholds()).entrySet()) {
      Double score = c.scores().get(t.getKey());
      if (score == null) {
        return t.getKey() + "_unscored";
      }
      if (score < t.getValue()) {
        return t.getKey() + "_below";
      }
    }
    if (keptTexts.contains(c.text())) {
      return "duplicate";
    }
    if (keptSoFar >= settings.maxPerPrompt()) {
      return "over_cap";
    }
    return null;
  }
}
