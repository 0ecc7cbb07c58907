package dev.grpo.reward.math;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Brace-matched contents of {@code \boxed{…}} and {@code \fbox{…}}. */
final class BoxedContent {

  /** Text between two boxes that still reads as one answer list ("and", commas). */
  private static final Pattern LIST_GAP =
      Pattern.compile("(?i).*(?:\\band\\b|\\bor\\b|,|;).*", Pattern.DOTALL);

  private BoxedContent() {}

  record Box(int start, int end, String content) {}

  /** Every box in order; an unclosed box runs to the end of the text. */
  static List<Box> find(String s, Deadline deadline) {
    List<Box> boxes = new ArrayList<>();
    int from = 0;
    while (true) {
      int b = s.indexOf("\\boxed", from);
      int f = s.indexOf("\\fbox", from);
      int start = b < 0 ? f : (f < 0 ? b : Math.min(b, f));
      if (start < 0) {
        return boxes;
      }
      deadline.check();
      int i = start + (start == b ? 6 : 5);
      while (i < s.length() && s.charAt(i) == ' ') {
        i++;
      }
      if (i < s.length() && s.charAt(i) == '{') {
        int depth = 0;
        int j = i;
        for (; j < s.length(); j++) {
          char c = s.charAt(j);
          if (c == '\\'
              && j + 1 < s.length()
              && (s.charAt(j + 1) == '{' || s.charAt(j + 1) == '}')) {
            j++;
          } else if (c == '{') {
            depth++;
          } else if (c == '}') {
            depth--;
            if (depth == 0) {
              break;
            }
          }
        }
        int end = Math.min(j + 1, s.length());
        String content = s.substring(i + 1, Math.min(j, s.length()));
        boxes.add(new Box(start, end, content));
        from = end;
      } else if (i > start + 5 && i < s.length() && s.charAt(i - 1) == ' ') {
        // "\boxed 5": the answer runs to the next dollar sign or whitespace.
        int j = i;
        while (j < s.length() && s.charAt(j) != '$' && !Character.isWhitespace(s.charAt(j))) {
          j++;
        }
        boxes.add(new Box(start, j, s.substring(i, j)));
        from = j;
      } else {
        from = i;
      }
    }
  }

  /** All boxes joined by commas, or null when there is none. */
  static String all(String s) {
    List<Box> boxes = find(s, Deadline.none());
    if (boxes.isEmpty()) {
      return null;
    }
    StringBuilder sb = new StringBuilder();
    for (Box box : boxes) {
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(box.content());
    }
    return sb.toString();
  }

  /**
   * The last box plus earlier boxes that belong to the same answer list: a short gap, or a gap
   * naming a list ("\boxed{1} and \boxed{2}"). A box far back in the reasoning is a draft, not part
   * of the answer.
   */
  static List<Box> lastGroup(List<Box> boxes, String s) {
    List<Box> group = new ArrayList<>();
    Box last = boxes.get(boxes.size() - 1);
    group.add(0, last);
    for (int k = boxes.size() - 2; k >= 0; k--) {
      Box prev = boxes.get(k);
      String gap = s.substring(prev.end(), group.get(0).start());
      boolean joined = gap.length() < 10 || (gap.length() < 70 && LIST_GAP.matcher(gap).matches());
      if (!joined || group.stream().anyMatch(g -> g.content().equals(prev.content()))) {
        break;
      }
      group.add(0, prev);
    }
    return group;
  }
}
