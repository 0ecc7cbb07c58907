package dev.grpo.web;

/**
 * Where a service's API key comes from; each service's properties record implements it, and the
 * shared web configuration guards the mutating endpoints with it.
 */
public interface ApiKeySource {

  String apiKey();

  /**
   * Paths whose mutating requests pass the filter without the bearer key because their handler
   * checks a key its own way (for example a compatibility endpoint whose clients cannot send
   * headers). Empty by default.
   */
  default java.util.Set<String> keylessPaths() {
    return java.util.Set.of();
  }

  /**
   * Path prefixes (ending in {@code /}) whose GET and HEAD pass the filter without a key because
   * they serve static files that hold no data, such as a browser console whose every API call then
   * carries the key. Empty by default.
   */
  default java.util.Set<String> openStaticPrefixes() {
    return java.util.Set.of();
  }
}
