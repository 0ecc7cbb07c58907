package dev.grpo.reward.llmjudge;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Verdicts by the SHA-256 of everything that decides them (template, endpoint model, question,
 * reference, answer), least recently used evicted first. The same answer to the same question is
 * judged once, and so always scores the same.
 */
final class VerdictCache {

  private final int capacity;
  private final Map<String, Boolean> verdicts;

  VerdictCache(int capacity) {
    this.capacity = capacity;
    this.verdicts =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > VerdictCache.this.capacity;
          }
        };
  }

  static String key(String template, String model, String question, String reference, String a) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String part : new String[] {template, model, question, reference, a}) {
        byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
        // length-prefixed, so ("ab", "c") and ("a", "bc") differ
        sha.update(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
        sha.update((byte) ':');
        sha.update(bytes);
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  synchronized Boolean get(String key) {
    return verdicts.get(key);
  }

  synchronized void put(String key, boolean verdict) {
    if (capacity > 0) {
      verdicts.put(key, verdict);
    }
  }

  synchronized int size() {
    return verdicts.size();
  }
}
