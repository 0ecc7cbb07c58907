package dev.grpo.reward.judge;

import java.util.ArrayList;
import java.util.List;

/**
 * How a program's stdout is compared with the expected output.
 *
 * @param mode comparison rule
 * @param tolerance absolute-or-relative tolerance for {@link Mode#FLOAT}
 */
public record OutputComparison(Mode mode, double tolerance) {

  public enum Mode {
    /** Trailing spaces on each line and trailing blank lines are ignored; the rest must match. */
    DEFAULT,
    /** Byte-for-byte (after UTF-8 decoding). */
    EXACT,
    /**
     * As DEFAULT, but whitespace-separated tokens that both parse as numbers match within the
     * tolerance: |a-b| <= tol or |a-b| <= tol*|b|.
     */
    FLOAT
  }

  public static final OutputComparison DEFAULT = new OutputComparison(Mode.DEFAULT, 0);
  public static final OutputComparison EXACT = new OutputComparison(Mode.EXACT, 0);

  public static OutputComparison floatTolerance(double tolerance) {
    return new OutputComparison(Mode.FLOAT, tolerance);
  }

  public OutputComparison {
    if (mode == null || tolerance < 0 || Double.isNaN(tolerance)) {
      throw new IllegalArgumentException("bad comparison");
    }
  }

  public boolean matches(String actual, String expected) {
    return switch (mode) {
      case EXACT -> actual.equals(expected);
      case DEFAULT -> normalizedLines(actual).equals(normalizedLines(expected));
      case FLOAT -> floatMatch(normalizedLines(actual), normalizedLines(expected));
    };
  }

  static List<String> normalizedLines(String s) {
    String[] raw = s.replace("\r\n", "\n").split("\n", -1);
    List<String> lines = new ArrayList<>(raw.length);
    for (String line : raw) {
      lines.add(line.stripTrailing());
    }
    while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
      lines.remove(lines.size() - 1);
    }
    return lines;
  }

  private boolean floatMatch(List<String> actual, List<String> expected) {
    if (actual.size() != expected.size()) {
      return false;
    }
    for (int i = 0; i < actual.size(); i++) {
      String[] a = actual.get(i).trim().split("\\s+");
      String[] e = expected.get(i).trim().split("\\s+");
      if (a.length != e.length) {
        return false;
      }
      for (int j = 0; j < a.length; j++) {
        if (!a[j].equals(e[j]) && !numbersClose(a[j], e[j], tolerance)) {
          return false;
        }
      }
    }
    return true;
  }

  static boolean numbersClose(String a, String e, double tol) {
    double x;
    double y;
    try {
      x = Double.parseDouble(a);
      y = Double.parseDouble(e);
    } catch (NumberFormatException ex) {
      return false;
    }
    if (Double.isNaN(x) || Double.isNaN(y)) {
      return false;
    }
    double diff = Math.abs(x - y);
    return diff <= tol || diff <= tol * Math.abs(y);
  }
}
