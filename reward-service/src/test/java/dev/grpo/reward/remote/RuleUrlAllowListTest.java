package dev.grpo.reward.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class RuleUrlAllowListTest {

  private final RuleUrlAllowList list =
      new RuleUrlAllowList(List.of("rules.internal:9000/score-rules/", "Dev-Box"));

  private boolean admits(String url) {
    return list.admits(URI.create(url));
  }

  @Test
  void hostPortAndPathPrefixMustAllMatch() {
    assertThat(admits("http://rules.internal:9000/score-rules/keyword")).isTrue();
    assertThat(admits("http://RULES.internal:9000/score-rules")).isTrue();
    assertThat(admits("http://rules.internal:9001/score-rules/keyword")).isFalse();
    assertThat(admits("http://rules.internal/score-rules/keyword")).as("port 80").isFalse();
    assertThat(admits("http://rules.internal:9000/actuator")).isFalse();
    assertThat(admits("http://rules.internal:9000/score-rules-evil/x")).isFalse();
    assertThat(admits("http://other:9000/score-rules/keyword")).isFalse();
  }

  @Test
  void dotSegmentsAndEncodedSlashesCannotEscapeThePrefix() {
    assertThat(admits("http://rules.internal:9000/score-rules/../actuator")).isFalse();
    assertThat(admits("http://rules.internal:9000/score-rules/%2e%2e/actuator")).isFalse();
    assertThat(admits("http://rules.internal:9000/score-rules%2F..%2Factuator")).isFalse();
  }

  @Test
  void aBareHostAdmitsEveryPortAndPath() {
    assertThat(admits("http://dev-box:8081/actuator")).isTrue();
    assertThat(admits("https://dev-box/x")).isTrue();
  }
}
