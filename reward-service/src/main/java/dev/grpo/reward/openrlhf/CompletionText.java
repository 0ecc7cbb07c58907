package dev.grpo.reward.openrlhf;

import java.util.List;

/**
 * Recovers the completion from OpenRLHF's {@code query}, which is the decoded prompt and response
 * together: the prompt is cut off as a prefix (or, when decoding added something before it such as
 * a BOS token, up to its first occurrence), then trailing end-of-turn tokens are dropped.
 *
 * @param completion the response text
 * @param promptFound false when the prompt was given but not found in the query, in which case the
 *     whole query (minus trailing special tokens) is scored
 */
record CompletionText(String completion, boolean promptFound) {

  static CompletionText of(String query, String prompt, List<String> stripSuffixes) {
    String text = query == null ? null : query;
    boolean found = true;
    if (text != null && prompt != null && !prompt.isEmpty()) {
      int at = text.startsWith(prompt) ? 0 : text.indexOf(prompt);
      if (at >= 0) {
        text = text.substring(at + prompt.length());
      } else {
        found = false;
      }
    }
    if (text != null) {
      boolean stripped = true;
      while (stripped) {
        stripped = false;
        for (String suffix : stripSuffixes) {
          if (!suffix.isEmpty() && text.endsWith(suffix)) {
            text = text.substring(0, text.length() - suffix.length());
            stripped = true;
          }
        }
      }
    }
    return new CompletionText(text, found);
  }
}
