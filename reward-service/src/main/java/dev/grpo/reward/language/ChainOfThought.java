package dev.grpo.reward.language;

import java.util.regex.Pattern;

/** Finds the part of a completion to check and removes what is not prose: code and math. */
final class ChainOfThought {

  private static final String OPEN = "<think>";
  private static final String CLOSE = "</think>";

  private static final Pattern TAGS = Pattern.compile("</?(?:think|answer)>");
  // Code and display math break a sentence; inline math sits inside one.
  private static final Pattern CODE =
      Pattern.compile("```[\\s\\S]*?(?:```|$)|~~~[\\s\\S]*?(?:~~~|$)|`[^`\\n]*`");
  private static final Pattern DISPLAY_MATH =
      Pattern.compile(
          "\\$\\$[\\s\\S]*?\\$\\$|\\\\\\[[\\s\\S]*?\\\\\\]"
              + "|\\\\begin\\{([A-Za-z]+\\*?)\\}[\\s\\S]*?\\\\end\\{\\1\\}");
  private static final Pattern INLINE_MATH =
      Pattern.compile("\\\\\\([\\s\\S]*?\\\\\\)|(?<!\\\\)\\$[^$\\n]+?(?<!\\\\)\\$");
  private static final Pattern LATEX_COMMAND = Pattern.compile("\\\\[A-Za-z]+");
  private static final Pattern URL = Pattern.compile("https?://\\S+");

  private ChainOfThought() {}

  /**
   * The text inside the first {@code <think>} block; without {@code <think>} (prefilled by the
   * prompt) everything before {@code </think>}; without {@code </think>} (truncated) everything
   * after {@code <think>}. Null when the completion has neither tag.
   */
  static String extract(String completion) {
    int open = completion.indexOf(OPEN);
    int start = open < 0 ? 0 : open + OPEN.length();
    int close = completion.indexOf(CLOSE, start);
    if (open < 0 && close < 0) {
      return null;
    }
    return completion.substring(start, close < 0 ? completion.length() : close);
  }

  /** The prose of the text: tags, code, math, LaTeX commands and URLs replaced by blanks. */
  static String prose(String text) {
    String prose = TAGS.matcher(text).replaceAll("\n");
    prose = CODE.matcher(prose).replaceAll("\n");
    prose = DISPLAY_MATH.matcher(prose).replaceAll("\n");
    prose = INLINE_MATH.matcher(prose).replaceAll(" ");
    prose = LATEX_COMMAND.matcher(prose).replaceAll(" ");
    return URL.matcher(prose).replaceAll(" ");
  }
}
