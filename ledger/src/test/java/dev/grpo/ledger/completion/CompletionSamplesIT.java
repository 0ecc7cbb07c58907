package dev.grpo.ledger.completion;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.ledger.LedgerTestApplication;
import dev.grpo.ledger.completion.CompletionWriter.NewCompletion;
import dev.grpo.ledger.completion.CompletionWriter.StoredCompletion;
import dev.grpo.testsupport.LedgerFixtures;
import dev.grpo.testsupport.SharedPostgres;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The samples a step already holds, read back slot by slot for a retried rollout. */
@SpringBootTest(
    classes = LedgerTestApplication.class,
    properties = "grpo.ledger.reaper-interval=1h")
class CompletionSamplesIT {

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    SharedPostgres.register(registry);
  }

  @Autowired CompletionWriter writer;
  @Autowired CompletionSamples samples;
  @Autowired JdbcTemplate jdbc;

  private static NewCompletion completion(UUID run, int step, String item, int index) {
    return new NewCompletion(
        run,
        step,
        item,
        index,
        item + "#" + index,
        new int[] {index, 7},
        new float[] {-0.25f, -2.5f},
        index == 0 ? "length" : "stop",
        3,
        "embedded");
  }

  @Test
  void eachItemGetsNSlotsFilledWhereTheStepHoldsASample() {
    UUID run = LedgerFixtures.insertRun(jdbc);
    UUID other = LedgerFixtures.insertRun(jdbc);
    List<StoredCompletion> stored =
        writer.writeAll(
            List.of(
                completion(run, 4, "a", 0),
                completion(run, 4, "a", 2),
                completion(run, 4, "a", 3),
                completion(run, 4, "c", 1)));
    writer.writeAll(List.of(completion(run, 5, "b", 0)));
    writer.writeAll(List.of(completion(other, 4, "b", 1)));

    Map<String, StoredCompletion[]> held = samples.read(run, 4, List.of("a", "b"), 3);

    assertThat(held).containsOnlyKeys("a", "b");
    StoredCompletion[] a = held.get("a");
    assertThat(a).hasSize(3);
    assertThat(a[0]).isNotNull();
    assertThat(a[0].id()).isEqualTo(stored.get(0).id());
    assertThat(a[0].text()).isEqualTo("a#0");
    assertThat(a[0].tokenIds()).containsExactly(0, 7);
    assertThat(a[0].logprobs()).containsExactly(-0.25f, -2.5f);
    assertThat(a[0].finishReason()).isEqualTo("length");
    assertThat(a[0].policyVersion()).isEqualTo(3);
    assertThat(a[0].backend()).isEqualTo("embedded");
    assertThat(a[1]).as("no sample 1 of a at step 4").isNull();
    assertThat(a[2].text()).isEqualTo("a#2");
    // b has samples only at another step and in another run; sample 3 of a is beyond n
    assertThat(held.get("b")).containsExactly(null, null, null);
  }
}
