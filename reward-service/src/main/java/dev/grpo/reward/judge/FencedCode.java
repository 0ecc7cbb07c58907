package dev.grpo.reward.judge;

import java.util.Optional;

/**
 * A Markdown fenced code block: the opening fence (three or more backticks or tildes, at the start
 * of a line, with an optional info string whose first word is the language tag) up to a closing
 * fence of the same character and at least the same length. Models often glue a fence to the answer
 * tags ({@code <answer>```python}, {@code ```</answer>}), so tags around a fence are ignored.
 */
record FencedCode(String tag, String code) {

  /** The last complete fenced block of {@code text}, if any. */
  static Optional<FencedCode> last(String text) {
    if (text == null) {
      return Optional.empty();
    }
    String[] lines = text.split("\n", -1);
    FencedCode last = null;
    int i = 0;
    while (i < lines.length) {
      String open = withoutTags(lines[i]);
      int fence = fenceLength(open);
      if (fence == 0) {
        i++;
        continue;
      }
      char fenceChar = open.charAt(0);
      String info = open.substring(fence).strip();
      String tag = info.isEmpty() ? null : info.split("\\s+")[0].toLowerCase();
      StringBuilder body = new StringBuilder();
      int j = i + 1;
      boolean closed = false;
      for (; j < lines.length; j++) {
        String line = withoutTags(lines[j]);
        int close = fenceLength(line);
        if (close >= fence && line.charAt(0) == fenceChar && line.substring(close).isEmpty()) {
          closed = true;
          break;
        }
        body.append(lines[j]).append('\n');
      }
      if (!closed) {
        break;
      }
      last = new FencedCode(tag, body.toString());
      i = j + 1;
    }
    return Optional.ofNullable(last);
  }

  private static final java.util.regex.Pattern LEADING_TAGS =
      java.util.regex.Pattern.compile("^\\s*(?:</?[A-Za-z][A-Za-z0-9_-]*>\\s*)*");
  private static final java.util.regex.Pattern TRAILING_TAGS =
      java.util.regex.Pattern.compile("(?:\\s*</?[A-Za-z][A-Za-z0-9_-]*>)*\\s*$");

  private static String withoutTags(String line) {
    String s = LEADING_TAGS.matcher(line).replaceFirst("");
    if (fenceLength(s) == 0) {
      return s;
    }
    return TRAILING_TAGS.matcher(s).replaceFirst("");
  }

  private static int fenceLength(String line) {
    if (line.isEmpty() || (line.charAt(0) != '`' && line.charAt(0) != '~')) {
      return 0;
    }
    char c = line.charAt(0);
    int n = 0;
    while (n < line.length() && line.charAt(n) == c) {
      n++;
    }
    return n >= 3 ? n : 0;
  }
}
