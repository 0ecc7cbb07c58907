package dev.grpo.trainer.step;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class TrainingMetersTest {

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final TrainingMeters meters = new TrainingMeters(registry);
  private final UUID run = UUID.fromString("00000000-0000-0000-0000-00000000002a");
  private final UUID other = UUID.fromString("00000000-0000-0000-0000-00000000002b");

  @Test
  void leasedIsOneWhileTheTrainerDrivesTheRunAndZeroAfter() {
    meters.leased(run, true);
    meters.leased(other, true);
    assertThat(registry.scrape())
        .contains("grpo_run_leased{run=\"" + run + "\"} 1.0")
        .contains("grpo_run_leased{run=\"" + other + "\"} 1.0");

    meters.leased(run, false);
    assertThat(registry.scrape())
        .contains("grpo_run_leased{run=\"" + run + "\"} 0.0")
        .contains("grpo_run_leased{run=\"" + other + "\"} 1.0");
  }

  @Test
  void progressIsTheLatestTimeInSecondsSinceTheEpochUnderTheNameTheAlertReads() {
    meters.progressed(run, Instant.parse("2026-01-02T03:04:05.250Z"));
    assertThat(value(registry.scrape(), "grpo_run_progress_timestamp_seconds", run))
        .isEqualTo(1_767_323_045.25);

    meters.progressed(run, Instant.parse("2026-01-02T03:34:05Z"));
    assertThat(value(registry.scrape(), "grpo_run_progress_timestamp_seconds", run))
        .isEqualTo(1_767_324_845.0);
  }

  private static double value(String scrape, String name, UUID run) {
    String prefix = name + "{run=\"" + run + "\"} ";
    return scrape
        .lines()
        .filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length())))
        .findFirst()
        .orElseThrow(() -> new AssertionError(prefix + "not in\n" + scrape));
  }
}
