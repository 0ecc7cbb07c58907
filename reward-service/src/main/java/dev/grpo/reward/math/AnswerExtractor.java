package dev.grpo.reward.math;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds candidate final answers in a completion, strongest anchor first and, within one anchor
 * strength, rightmost first (the answer is stated last; earlier matches are working).
 *
 * <p>Priorities follow Math-Verify: "final answer is … I hope" 0, other "final answer … is" 50,
 * {@code \boxed{}} configurable (default 0), "answer:" 100, "answer" 200, bare math or numbers 300.
 */
final class AnswerExtractor {

  /** One candidate: the text to parse and where it came from. */
  record Candidate(String text, int priority, int start, int end, String anchor) {}

  static final int FINAL_HOPE = 0;
  static final int FINAL = 50;
  static final int ANSWER_COLON = 100;
  static final int ANSWER_WORD = 200;
  static final int BARE = 300;

  /** Matches kept per anchor kind, counted from the end of the text. */
  static final int MAX_PER_KIND = 100;

  private static final Pattern FINAL_ANSWER =
      Pattern.compile("(?i)final\\s+answer[^\\n]{0,50}?\\bis\\b\\s*:?\\s*");
  private static final Pattern ANSWER_COLON_ANCHOR = Pattern.compile("(?i)answer\\s*:\\s*");
  private static final Pattern ANSWER_ANCHOR = Pattern.compile("(?i)answer\\b");
  private static final Pattern HOPE = Pattern.compile("(?i)^[\\s.$]*i\\s+hope");
  private static final Pattern PERCENT_AFTER =
      Pattern.compile("^(?:\\s|\\$|\\\\\\)|\\\\\\])*(\\\\%|%|percentage|percent|pct)(?![A-Za-z])");
  private static final Pattern BARE_FRACTION =
      Pattern.compile("(?<![\\w\\\\])-?\\s*\\\\[dtc]?frac\\{\\d+\\}\\{\\d+\\}");
  private static final Pattern ENV_GAP =
      Pattern.compile("(?i)^\\s*(?:,|;|and|or|,\\s*and|,\\s*or)\\s*$");

  private static final String NUMBER_BODY =
      "(?:[1-9]\\d{0,2}(?:,\\d{3})+(?:\\.\\d+)?"
          + "|[1-9]\\d{0,2}(?: \\d{3})+(?:\\.\\d+)?(?![\\d,])"
          + "|\\d+(?:,\\d+)?(?:\\.\\d+)?"
          + "|\\.\\d+)";
  private static final Pattern NUMBER =
      Pattern.compile(
          "(?<![\\w.\\\\{^_,])(?:[$€£¥₹]\\s?)?(-?)("
              + NUMBER_BODY
              + ")(?!\\d)(\\s*(?:\\\\%|%|percentage|percent|pct)(?![A-Za-z]))?");
  private static final Pattern EXPRESSION =
      Pattern.compile(
          "(?<![\\w.\\\\{^_])\\(?-?\\d[\\d.]*\\)?(?:\\s*[-+*/^×÷]\\s*\\(?-?\\d[\\d.]*\\)?)+(?![\\d.]*\\w)");

  private static final Pattern MIXED_NUMBER =
      Pattern.compile("(?<![\\w.\\\\{^_/,])[-+]?\\d+[ \\t]+\\d+/\\d+(?!\\d|\\.\\d|/)");
  private static final Pattern COMMA_THOUSANDS =
      Pattern.compile("[1-9]\\d{0,2}(?:,\\d{3})+(?:\\.\\d+)?");

  private AnswerExtractor() {}

  /** Trial order: strongest anchor first, then rightmost, then leftmost start. */
  private static final Comparator<Candidate> TRIAL_ORDER =
      Comparator.comparingInt(Candidate::priority)
          .thenComparing(Comparator.comparingInt(Candidate::end).reversed())
          .thenComparingInt(Candidate::start);

  /** Every candidate, in trial order. */
  static List<Candidate> candidates(
      String text, Set<AnswerFormat> formats, int boxedPriority, Deadline deadline) {
    List<int[]> envs = environments(text, formats, deadline);
    List<Candidate> out = anchored(text, envs, formats, boxedPriority, deadline);
    out.addAll(bare(text, envs, formats, deadline));
    out.sort(TRIAL_ORDER);
    return out;
  }

  /**
   * The same candidates in the same order as {@link #candidates}, but the bare ones (every formula
   * and number of the text, priority {@link #BARE}) are only searched for once the anchored ones
   * (boxes, "final answer is", "answer:") are used up. A caller that stops at the first candidate
   * that parses then skips most of the scanning of a long completion that boxes its answer.
   */
  static Iterable<Candidate> inTrialOrder(
      String text, Set<AnswerFormat> formats, int boxedPriority, Deadline deadline) {
    if (boxedPriority >= BARE) {
      // Boxes would sort among or after the bare candidates: no tier boundary to stop at.
      return candidates(text, formats, boxedPriority, deadline);
    }
    return () ->
        new Iterator<>() {
          private final List<int[]> envs = environments(text, formats, deadline);
          private List<Candidate> tier =
              sorted(anchored(text, envs, formats, boxedPriority, deadline));
          private boolean bareSearched;
          private int next;

          @Override
          public boolean hasNext() {
            if (next == tier.size() && !bareSearched) {
              tier = sorted(bare(text, envs, formats, deadline));
              bareSearched = true;
              next = 0;
            }
            return next < tier.size();
          }

          @Override
          public Candidate next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            return tier.get(next++);
          }
        };
  }

  private static List<Candidate> sorted(List<Candidate> candidates) {
    candidates.sort(TRIAL_ORDER);
    return candidates;
  }

  private static List<int[]> environments(
      String text, Set<AnswerFormat> formats, Deadline deadline) {
    boolean latex = formats.contains(AnswerFormat.LATEX);
    boolean expr = formats.contains(AnswerFormat.EXPRESSION);
    return latex || expr ? environments(text, deadline) : List.of();
  }

  /** Boxes and anchored answers: every priority below {@link #BARE} (boxes as configured). */
  private static List<Candidate> anchored(
      String text,
      List<int[]> envs,
      Set<AnswerFormat> formats,
      int boxedPriority,
      Deadline deadline) {
    List<Candidate> out = new ArrayList<>();
    boolean latex = formats.contains(AnswerFormat.LATEX);
    boolean expr = formats.contains(AnswerFormat.EXPRESSION);
    if (latex && boxedPriority >= 0) {
      addBoxed(text, boxedPriority, out, deadline);
    }
    for (int from : lastMatchEnds(FINAL_ANSWER, text, deadline)) {
      addAnchored(text, from, envs, latex, expr, true, FINAL, out);
    }
    for (int from : lastMatchEnds(ANSWER_COLON_ANCHOR, text, deadline)) {
      addAnchored(text, from, envs, latex, expr, false, ANSWER_COLON, out);
    }
    for (int from : lastMatchEnds(ANSWER_ANCHOR, text, deadline)) {
      addAnchored(text, from, envs, latex, expr, false, ANSWER_WORD, out);
    }
    return out;
  }

  /** Formulas, bare fractions and numbers anywhere in the text: priority {@link #BARE}. */
  private static List<Candidate> bare(
      String text, List<int[]> envs, Set<AnswerFormat> formats, Deadline deadline) {
    List<Candidate> out = new ArrayList<>();
    if (formats.contains(AnswerFormat.LATEX)) {
      addBareEnvironments(text, envs, out, deadline);
      Matcher bf = BARE_FRACTION.matcher(text);
      while (bf.find()) {
        deadline.check();
        out.add(new Candidate(bf.group(), BARE, bf.start(), bf.end(), "fraction"));
      }
    }
    if (formats.contains(AnswerFormat.EXPRESSION)) {
      addNumbers(text, 0, text.length(), BARE, out, deadline, false);
    }
    return out;
  }

  /** End offsets of the last {@link #MAX_PER_KIND} matches. */
  private static List<Integer> lastMatchEnds(Pattern anchor, String text, Deadline deadline) {
    java.util.ArrayDeque<Integer> ends = new java.util.ArrayDeque<>();
    Matcher m = anchor.matcher(text);
    while (m.find()) {
      deadline.check();
      ends.addLast(m.end());
      if (ends.size() > MAX_PER_KIND) {
        ends.removeFirst();
      }
    }
    return new ArrayList<>(ends);
  }

  /** Index of the first environment starting at or after {@code from}. */
  private static int firstEnvironmentAfter(List<int[]> envs, int from) {
    int lo = 0;
    int hi = envs.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (envs.get(mid)[0] < from) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private static void addBoxed(String text, int priority, List<Candidate> out, Deadline deadline) {
    List<BoxedContent.Box> boxes = BoxedContent.find(text, deadline);
    if (boxes.isEmpty()) {
      return;
    }
    List<BoxedContent.Box> group = BoxedContent.lastGroup(boxes, text);
    StringBuilder sb = new StringBuilder();
    for (BoxedContent.Box b : group) {
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(b.content());
    }
    BoxedContent.Box last = group.get(group.size() - 1);
    String answer = withTrailingPercent(sb.toString(), text, last.end());
    out.add(new Candidate(answer, priority, group.get(0).start(), last.end(), "boxed"));
  }

  private static String withTrailingPercent(String answer, String text, int end) {
    Matcher m = PERCENT_AFTER.matcher(text.substring(end, Math.min(text.length(), end + 20)));
    if (m.find() && !answer.contains("%")) {
      return answer + "\\%";
    }
    return answer;
  }

  private static void addAnchored(
      String text,
      int from,
      List<int[]> envs,
      boolean latex,
      boolean expr,
      boolean finalAnswer,
      int priority,
      List<Candidate> out) {
    if (latex) {
      int k = firstEnvironmentAfter(envs, from);
      if (k < envs.size()) {
        int[] env = envs.get(k);
        if (env[0] - from <= (finalAnswer ? 3 : 50)) {
          int p = finalAnswer ? hopePriority(text, env[1]) : priority;
          String answer = withTrailingPercent(text.substring(env[2], env[3]), text, env[1]);
          out.add(new Candidate(answer, p, env[0], env[1], "anchor"));
        }
      }
    }
    if (expr) {
      int windowEnd = Math.min(text.length(), from + 100);
      int nl = text.indexOf('\n', from);
      if (nl >= 0 && nl < windowEnd) {
        windowEnd = nl;
      }
      if (finalAnswer) {
        int sentence = sentenceEnd(text, from, windowEnd);
        List<Candidate> found = new ArrayList<>();
        addNumbers(text, from, sentence, FINAL, found, Deadline.none(), true);
        for (Candidate c : found) {
          out.add(
              new Candidate(c.text(), hopePriority(text, c.end()), c.start(), c.end(), "final"));
        }
        return;
      }
      int eq = text.lastIndexOf('=', windowEnd - 1);
      int start = eq >= from ? eq + 1 : from;
      if (eq < from && start + 50 < windowEnd) {
        windowEnd = start + 50;
      }
      List<Candidate> found = new ArrayList<>();
      addNumbers(text, start, windowEnd, priority, found, Deadline.none(), true);
      out.addAll(found);
    }
  }

  private static int sentenceEnd(String text, int from, int limit) {
    for (int i = from; i < limit; i++) {
      if (text.charAt(i) == '.'
          && (i + 1 >= text.length() || Character.isWhitespace(text.charAt(i + 1)))) {
        return i;
      }
    }
    return limit;
  }

  private static int hopePriority(String text, int end) {
    String after = text.substring(end, Math.min(text.length(), end + 12));
    return HOPE.matcher(after).find() ? FINAL_HOPE : FINAL;
  }

  private static void addBareEnvironments(
      String text, List<int[]> envs, List<Candidate> out, Deadline deadline) {
    // Candidates are tried rightmost first; formulas far back only matter if the last
    // MAX_PER_KIND all fail, and keeping them would make cost grow with the completion length.
    for (int i = Math.max(0, envs.size() - MAX_PER_KIND); i < envs.size(); i++) {
      deadline.check();
      int first = i;
      // "$21, 16$ or $11$": neighbouring formulas joined by a list word are one answer.
      while (first > 0
          && i - first < 5
          && ENV_GAP
              .matcher(text.substring(envs.get(first - 1)[1], envs.get(first)[0]))
              .matches()) {
        first--;
      }
      StringBuilder sb = new StringBuilder();
      for (int k = first; k <= i; k++) {
        if (sb.length() > 0) {
          sb.append(',');
        }
        sb.append(text, envs.get(k)[2], envs.get(k)[3]);
      }
      int[] env = envs.get(i);
      String answer = withTrailingPercent(sb.toString(), text, env[1]);
      out.add(new Candidate(answer, BARE, envs.get(first)[0], env[1], "math"));
    }
  }

  /**
   * Math environments as {start, end, contentStart, contentEnd}: {@code $$…$$} and {@code \[…\]}
   * may span lines; {@code $…$} and {@code \(…\)} may not.
   */
  static List<int[]> environments(String s, Deadline deadline) {
    List<int[]> envs = new ArrayList<>();
    int i = 0;
    int n = s.length();
    while (i < n) {
      if ((i & 255) == 0) {
        deadline.check();
      }
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < n) {
        char d = s.charAt(i + 1);
        if (d == '[' || d == '(') {
          String close = d == '[' ? "\\]" : "\\)";
          int j = s.indexOf(close, i + 2);
          if (j >= 0 && (d == '[' || s.indexOf('\n', i + 2) < 0 || s.indexOf('\n', i + 2) > j)) {
            envs.add(new int[] {i, j + 2, i + 2, j});
            i = j + 2;
            continue;
          }
        }
        i += 2;
        continue;
      }
      if (c == '$') {
        if (i + 1 < n && s.charAt(i + 1) == '$') {
          int j = s.indexOf("$$", i + 2);
          if (j >= 0) {
            envs.add(new int[] {i, j + 2, i + 2, j});
            i = j + 2;
            continue;
          }
          i += 2;
          continue;
        }
        int j = closingDollar(s, i + 1);
        if (j >= 0) {
          envs.add(new int[] {i, j + 1, i + 1, j});
          i = j + 1;
          continue;
        }
      }
      i++;
    }
    return envs;
  }

  private static int closingDollar(String s, int from) {
    for (int j = from; j < s.length(); j++) {
      char c = s.charAt(j);
      if (c == '\n') {
        return -1;
      }
      if (c == '\\') {
        j++;
        continue;
      }
      if (c == '$') {
        return j;
      }
    }
    return -1;
  }

  private static void addNumbers(
      String text,
      int from,
      int to,
      int priority,
      List<Candidate> out,
      Deadline deadline,
      boolean firstOnly) {
    if (from >= to) {
      return;
    }
    Matcher ex = EXPRESSION.matcher(text).region(from, to);
    ex.useTransparentBounds(true);
    List<Candidate> found = new ArrayList<>();
    while (ex.find()) {
      deadline.check();
      String e = ex.group().replace("×", "*").replace("÷", "/");
      found.add(new Candidate(e, priority, ex.start(), ex.end(), "expression"));
    }
    Matcher mixed = MIXED_NUMBER.matcher(text).region(from, to);
    mixed.useTransparentBounds(true);
    while (mixed.find()) {
      deadline.check();
      found.add(new Candidate(mixed.group(), priority, mixed.start(), mixed.end(), "mixed number"));
    }
    Matcher m = NUMBER.matcher(text).region(from, to);
    m.useTransparentBounds(true);
    while (m.find()) {
      deadline.check();
      String body = m.group(2);
      String number;
      if (COMMA_THOUSANDS.matcher(body).matches()) {
        number = body.replace(",", "");
      } else if (body.contains(" ")) {
        number = body.replace(" ", "");
      } else {
        number = body.replace(',', '.');
      }
      String answer = m.group(1) + number + (m.group(3) != null ? "\\%" : "");
      found.add(new Candidate(answer, priority, m.start(), m.end(), "number"));
    }
    if (firstOnly && !found.isEmpty()) {
      found.sort(
          Comparator.comparingInt(Candidate::start)
              .thenComparing(Comparator.comparingInt(Candidate::end).reversed()));
      out.add(found.get(0));
      return;
    }
    found.sort(Comparator.comparingInt(Candidate::end));
    out.addAll(found.subList(Math.max(0, found.size() - MAX_PER_KIND), found.size()));
  }
}
