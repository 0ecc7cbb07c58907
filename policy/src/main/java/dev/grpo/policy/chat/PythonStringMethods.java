package dev.grpo.policy.chat;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Python's {@code str} methods that chat templates call on strings ({@code
 * content.split('</think>')[-1].lstrip('\n')}, {@code content.startswith('<tool_response>')}, ...),
 * where Jinjava would otherwise call Java's {@code String} methods of the same name (a regex {@code
 * split}, a whitespace-only {@code strip}) or fail. Any other call falls through to Jinjava.
 */
final class PythonStringMethods extends ELResolver {

  private static final Object NOT_HANDLED = new Object();

  @Override
  public Object invoke(
      ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
    if (!(base instanceof String s) || method == null) {
      return null;
    }
    Object[] args = params == null ? new Object[0] : params;
    Object result = call(s, method.toString(), args);
    if (result != NOT_HANDLED) {
      context.setPropertyResolved(true);
      return result;
    }
    return null;
  }

  private static Object call(String s, String name, Object[] args) {
    return switch (name) {
      case "startswith" -> anyMatch(args[0], s::startsWith);
      case "endswith" -> anyMatch(args[0], s::endsWith);
      case "strip" -> rstrip(lstrip(s, chars(args)), chars(args));
      case "lstrip" -> lstrip(s, chars(args));
      case "rstrip" -> rstrip(s, chars(args));
      case "split" -> split(s, args);
      case "upper" -> s.toUpperCase(Locale.ROOT);
      case "lower" -> s.toLowerCase(Locale.ROOT);
      case "title" -> title(s);
      case "capitalize" ->
          s.isEmpty()
              ? s
              : s.substring(0, 1).toUpperCase(Locale.ROOT)
                  + s.substring(1).toLowerCase(Locale.ROOT);
      case "replace" -> replace(s, args);
      case "count" ->
          args[0].toString().isEmpty()
              ? (long) s.length() + 1
              : (long) split(s, new Object[] {args[0]}).size() - 1;
      case "find" -> (long) s.indexOf(args[0].toString());
      case "join" -> join(s, args[0]);
      default -> NOT_HANDLED;
    };
  }

  private static boolean anyMatch(Object prefixes, Predicate<String> test) {
    if (prefixes instanceof Collection<?> options) {
      return options.stream().anyMatch(o -> test.test(o.toString()));
    }
    return test.test(prefixes.toString());
  }

  /** The characters to strip, or null for whitespace. */
  private static String chars(Object[] args) {
    return args.length == 0 || args[0] == null ? null : args[0].toString();
  }

  private static boolean strippable(char c, String chars) {
    return chars == null
        ? Character.isWhitespace(c) || Character.isSpaceChar(c)
        : chars.indexOf(c) >= 0;
  }

  private static String lstrip(String s, String chars) {
    int start = 0;
    while (start < s.length() && strippable(s.charAt(start), chars)) {
      start++;
    }
    return s.substring(start);
  }

  private static String rstrip(String s, String chars) {
    int end = s.length();
    while (end > 0 && strippable(s.charAt(end - 1), chars)) {
      end--;
    }
    return s.substring(0, end);
  }

  /** {@code str.split(sep=None, maxsplit=-1)}: a literal separator, or runs of whitespace. */
  private static List<String> split(String s, Object[] args) {
    String sep = args.length == 0 || args[0] == null ? null : args[0].toString();
    long maxSplit = args.length > 1 ? ((Number) args[1]).longValue() : -1;
    List<String> parts = new ArrayList<>();
    if (sep == null) {
      String rest = lstrip(s, null);
      while (!rest.isEmpty()) {
        int end = 0;
        while (end < rest.length() && !strippable(rest.charAt(end), null)) {
          end++;
        }
        if (maxSplit >= 0 && parts.size() == maxSplit) {
          parts.add(rstrip(rest, null));
          break;
        }
        parts.add(rest.substring(0, end));
        rest = lstrip(rest.substring(end), null);
      }
      return parts;
    }
    if (sep.isEmpty()) {
      throw new IllegalArgumentException("empty separator");
    }
    int from = 0;
    for (int at = s.indexOf(sep);
        at >= 0 && (maxSplit < 0 || parts.size() < maxSplit);
        at = s.indexOf(sep, from)) {
      parts.add(s.substring(from, at));
      from = at + sep.length();
    }
    parts.add(s.substring(from));
    return parts;
  }

  /** {@code str.replace(old, new, count=-1)}. */
  private static String replace(String s, Object[] args) {
    long count = args.length > 2 ? ((Number) args[2]).longValue() : -1;
    if (count < 0) {
      return s.replace(args[0].toString(), args[1].toString());
    }
    List<String> parts = split(s, new Object[] {args[0], count});
    return String.join(args[1].toString(), parts);
  }

  private static String title(String s) {
    StringBuilder out = new StringBuilder(s.length());
    boolean previousCased = false;
    for (char c : s.toCharArray()) {
      out.append(previousCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
      previousCased = Character.isLetter(c);
    }
    return out.toString();
  }

  private static String join(String separator, Object items) {
    List<String> parts = new ArrayList<>();
    if (items instanceof Iterable<?> iterable) {
      iterable.forEach(i -> parts.add(i.toString()));
    }
    return String.join(separator, parts);
  }

  @Override
  public Object getValue(ELContext context, Object base, Object property) {
    return null;
  }

  @Override
  public Class<?> getType(ELContext context, Object base, Object property) {
    return null;
  }

  @Override
  public void setValue(ELContext context, Object base, Object property, Object value) {}

  @Override
  public boolean isReadOnly(ELContext context, Object base, Object property) {
    return true;
  }

  @Override
  public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
    return Collections.emptyIterator();
  }

  @Override
  public Class<?> getCommonPropertyType(ELContext context, Object base) {
    return null;
  }
}
