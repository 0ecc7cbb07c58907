package dev.grpo.reward.math;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a formatted completion states its answer: the last {@code <answer>…</answer>} block, else
 * the last {@code \boxed{}} (with the boxes listed right before it), else, only when the caller
 * opts in (GSM8K-style grading), the last number of the text. Nothing else counts: an expression in
 * the reasoning or a copy of the question is not an answer, so a completion without one scores 0.
 */
final class AnswerLocation {

  /** The answer text handed to the verifier and the place it was read from. */
  record Located(String text, String source) {}

  private static final String OPEN = "<answer>";
  private static final String CLOSE = "</answer>";
  private static final Pattern NUMBER = Pattern.compile("-?\\d(?:[\\d,]*\\d)?(?:\\.\\d+)?");

  private AnswerLocation() {}

  /**
   * The located answer, or null when the completion states none where the format puts it.
   *
   * @throws Deadline.Exceeded when the search for boxes runs out of time on a hostile completion
   */
  static Located find(
      String completion, boolean answerTag, boolean lastNumberFallback, Deadline deadline) {
    if (answerTag) {
      String block = lastAnswerBlock(completion);
      if (block != null) {
        return new Located(block, "answer_tag");
      }
    }
    List<BoxedContent.Box> boxes = BoxedContent.find(completion, deadline);
    if (!boxes.isEmpty()) {
      List<BoxedContent.Box> group = BoxedContent.lastGroup(boxes, completion);
      int start = group.get(0).start();
      int end = group.get(group.size() - 1).end();
      return new Located(completion.substring(start, end), "boxed");
    }
    if (lastNumberFallback) {
      String last = null;
      Matcher m = NUMBER.matcher(completion);
      while (m.find()) {
        deadline.check();
        last = m.group();
      }
      return last == null ? null : new Located(last, "last_number");
    }
    return null;
  }

  static String lastAnswerBlock(String completion) {
    int close = completion.lastIndexOf(CLOSE);
    if (close < 0) {
      return null;
    }
    int open = completion.lastIndexOf(OPEN, close);
    return open < 0 ? null : completion.substring(open + OPEN.length(), close);
  }

  /**
   * True when the answer is a copy of (part of) the prompt that is more than a plain number: "7+0"
   * for the prompt "7+0=" evaluates to the right sum but states nothing the question did not.
   */
  static boolean restatesPrompt(String answer, String prompt) {
    if (prompt == null) {
      return false;
    }
    String a = squeeze(answer);
    while (a.endsWith("=")) {
      a = a.substring(0, a.length() - 1);
    }
    if (a.isEmpty() || NUMBER.matcher(a).matches()) {
      return false;
    }
    return squeeze(prompt).contains(a);
  }

  /**
   * Without whitespace and math delimiters ({@code $ \( \) \[ \]}), so "$7 + 0$" compares equal to
   * "7+0". A loop rather than a regex: the prompt is squeezed on every call.
   */
  static String squeeze(String s) {
    char[] kept = new char[s.length()];
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case ' ', '\t', '\n', '\u000b', '\f', '\r', '$' -> {}
        case '\\' -> {
          char next = i + 1 < s.length() ? s.charAt(i + 1) : ' ';
          if (next == '(' || next == ')' || next == '[' || next == ']') {
            i++;
          } else {
            kept[n++] = c;
          }
        }
        default -> kept[n++] = c;
      }
    }
    return new String(kept, 0, n);
  }
}
