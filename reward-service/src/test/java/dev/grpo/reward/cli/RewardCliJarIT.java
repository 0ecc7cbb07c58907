package dev.grpo.reward.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar runs {@code score-jsonl} as plain Java: no datasource is configured here, so a
 * Spring start would fail on the database instead of printing results.
 */
class RewardCliJarIT {

  @TempDir Path dir;

  @Test
  void theJarScoresAFileWithoutStartingTheService() throws Exception {
    Path jar = Path.of("target", "reward-service.jar");
    assumeTrue(Files.exists(jar), "the jar is built by mvn package");
    Path file = dir.resolve("items.jsonl");
    Files.writeString(
        file,
        "{\"id\": \"x\", \"completion\": \"<think>\\nok\\n</think>\\n<answer>\\n1\\n</answer>\"}\n"
            + "{\"id\": \"y\", \"completion\": \"no tags\"}\n");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p =
        new ProcessBuilder(
                java.toString(),
                "-jar",
                jar.toString(),
                "score-jsonl",
                "--rules",
                "format,tag_count",
                file.toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
    List<String> lines = stdout.lines().toList();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0)).startsWith("{\"id\":\"x\",\"total\":2.0,");
    assertThat(lines.get(1)).startsWith("{\"id\":\"y\",\"total\":0.0,");
  }
}
