package dev.grpo.reward.remote;

import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * The {@code grpo.reward.remote.allowed-hosts} entries: {@code host}, {@code host:port} or {@code
 * host:port/path-prefix}. A URL matches an entry when its host is the entry's (case-insensitive),
 * its port (the scheme's default when absent) is the entry's when the entry names one, and its path
 * starts with the entry's prefix at a segment boundary. URLs whose path holds {@code .} or {@code
 * ..} segments, encoded slashes or backslashes are refused outright, so a prefix cannot be escaped.
 */
final class RuleUrlAllowList {

  private record Entry(String host, int port, String pathPrefix) {}

  private final List<Entry> entries;

  RuleUrlAllowList(List<String> raw) {
    this.entries =
        raw.stream()
            .map(String::trim)
            .filter(e -> !e.isEmpty())
            .map(RuleUrlAllowList::parse)
            .toList();
  }

  private static Entry parse(String entry) {
    int slash = entry.indexOf('/');
    String authority = slash < 0 ? entry : entry.substring(0, slash);
    String prefix = slash < 0 ? "" : stripSlash(entry.substring(slash));
    int colon = authority.lastIndexOf(':');
    boolean hasPort = colon > 0 && !authority.endsWith("]");
    String host = hasPort ? authority.substring(0, colon) : authority;
    int port = hasPort ? Integer.parseInt(authority.substring(colon + 1)) : -1;
    return new Entry(host.toLowerCase(Locale.ROOT), port, prefix);
  }

  private static String stripSlash(String path) {
    return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  /** Whether the (absolute http/https) URL is admitted. */
  boolean admits(URI uri) {
    String rawPath = uri.getRawPath() == null ? "" : uri.getRawPath();
    String lowerPath = rawPath.toLowerCase(Locale.ROOT);
    if (lowerPath.contains("%2f") || lowerPath.contains("%5c") || rawPath.contains("\\")) {
      return false;
    }
    for (String segment : rawPath.split("/")) {
      if (segment.equals(".")
          || segment.equals("..")
          || segment.equals("%2e")
          || segment.equals("%2e%2e")) {
        return false;
      }
    }
    String host = uri.getHost().toLowerCase(Locale.ROOT);
    int port =
        uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    String path = stripSlash(rawPath);
    return entries.stream()
        .anyMatch(
            e ->
                e.host().equals(host)
                    && (e.port() < 0 || e.port() == port)
                    && (path.equals(e.pathPrefix()) || path.startsWith(e.pathPrefix() + "/")));
  }
}
