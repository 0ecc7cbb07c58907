package dev.grpo.dataset;

/**
 * The content of the last {@code \boxed{...}} (or {@code \fbox{...}}) of a LaTeX solution, with
 * nested braces balanced: MATH's convention for the gold answer.
 */
final class BoxedAnswer {

  private BoxedAnswer() {}

  /** The last boxed answer, or null when the text has none or its braces never close. */
  static String last(String text) {
    int at = Math.max(text.lastIndexOf("\\boxed"), text.lastIndexOf("\\fbox"));
    if (at < 0) {
      return null;
    }
    int i = at + (text.startsWith("\\boxed", at) ? "\\boxed".length() : "\\fbox".length());
    if (i < text.length() && text.charAt(i) == ' ') {
      // "\boxed 5": the argument is the next token
      int end = i + 1;
      while (end < text.length()
          && !Character.isWhitespace(text.charAt(end))
          && text.charAt(end) != '$') {
        end++;
      }
      return end > i + 1 ? text.substring(i + 1, end) : null;
    }
    if (i >= text.length() || text.charAt(i) != '{') {
      return null;
    }
    int depth = 0;
    for (int j = i; j < text.length(); j++) {
      char c = text.charAt(j);
      if (c == '\\') {
        j++; // an escaped brace does not count
      } else if (c == '{') {
        depth++;
      } else if (c == '}' && --depth == 0) {
        return text.substring(i + 1, j).trim();
      }
    }
    return null;
  }
}
