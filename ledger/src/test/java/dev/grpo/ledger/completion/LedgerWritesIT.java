package dev.grpo.ledger.completion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.ledger.LedgerTestApplication;
import dev.grpo.ledger.checkpoint.Checkpoint;
import dev.grpo.ledger.checkpoint.CheckpointRepository;
import dev.grpo.ledger.completion.CompletionWriter.NewCompletion;
import dev.grpo.ledger.completion.CompletionWriter.StoredCompletion;
import dev.grpo.ledger.dataset.DatasetItems;
import dev.grpo.ledger.dataset.DatasetItems.Item;
import dev.grpo.ledger.reward.RewardWriter;
import dev.grpo.ledger.reward.RewardWriter.NewReward;
import dev.grpo.ledger.run.Run;
import dev.grpo.ledger.run.RunRepository;
import dev.grpo.ledger.run.RunState;
import dev.grpo.rule.RuleStatus;
import dev.grpo.testsupport.SharedPostgres;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.data.domain.PageRequest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The idempotent writes of the hot path, and the entities read back through JPA. */
@SpringBootTest(
    classes = LedgerTestApplication.class,
    properties = {"spring.jpa.hibernate.ddl-auto=validate", "grpo.ledger.reaper-interval=1h"})
class LedgerWritesIT {

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    SharedPostgres.register(registry);
  }

  @Autowired RunRepository runs;
  @Autowired CompletionWriter completionWriter;
  @Autowired RewardWriter rewardWriter;
  @Autowired DatasetItems items;
  @Autowired CheckpointRepository checkpoints;
  @Autowired JdbcTemplate jdbc;

  UUID runId;

  @BeforeEach
  void run() {
    runId = UUID.randomUUID();
    runs.save(new Run(runId, "test", "{\"seed\":1}", null, null, Instant.now()));
  }

  @Test
  void aRetriedCompletionBatchStoresNothingTwiceAndReturnsTheFirstSamples() {
    List<NewCompletion> first = new ArrayList<>();
    for (int item = 0; item < 3; item++) {
      for (int sample = 0; sample < 4; sample++) {
        first.add(
            new NewCompletion(
                runId,
                7,
                "item-" + item,
                sample,
                "answer " + item + "/" + sample,
                new int[] {item, sample, 42},
                new float[] {-0.5f, -1.25f, -3f},
                "stop",
                3,
                "embedded"));
      }
    }
    List<StoredCompletion> stored = completionWriter.writeAll(first);
    assertThat(stored).hasSize(12);
    assertThat(stored.get(5).text()).isEqualTo("answer 1/1");
    assertThat(stored.get(5).tokenIds()).containsExactly(1, 1, 42);
    assertThat(stored.get(5).logprobs()).containsExactly(-0.5f, -1.25f, -3f);

    // the retry carries other samples (a sampler without a seed): the ledger keeps the first ones
    List<NewCompletion> retry =
        first.stream()
            .map(
                c ->
                    new NewCompletion(
                        c.runId(),
                        c.stepNo(),
                        c.itemKey(),
                        c.sampleIndex(),
                        "different",
                        new int[] {9},
                        new float[] {-9f},
                        "length",
                        4,
                        "vllm"))
            .toList();
    List<StoredCompletion> again = completionWriter.writeAll(retry);
    assertThat(again).usingRecursiveFieldByFieldElementComparator().isEqualTo(stored);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM completion WHERE run_id = ?", Long.class, runId))
        .isEqualTo(12);
    assertThat(
            jdbc.queryForList(
                "SELECT text FROM completion WHERE run_id = ? AND step_no = 7"
                    + " ORDER BY item_key, sample_index",
                String.class,
                runId))
        .first()
        .isEqualTo("answer 0/0");
  }

  @Test
  void completionsWithMismatchedLogprobsAreRefused() {
    NewCompletion bad =
        new NewCompletion(
            runId, 0, "i", 0, "t", new int[] {1, 2}, new float[] {-1f}, "stop", 0, "e");
    assertThatThrownBy(() -> completionWriter.writeAll(List.of(bad)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2 tokens but 1 log-probs");
  }

  @Test
  void rewardsAreIdempotentPerRuleVersionAndNeverASilentZero() {
    long completionId =
        completionWriter
            .writeAll(
                List.of(
                    new NewCompletion(
                        runId,
                        1,
                        "q",
                        0,
                        "x",
                        new int[] {1},
                        new float[] {-1f},
                        "stop",
                        1,
                        "embedded")))
            .get(0)
            .id();
    List<NewReward> batch =
        List.of(
            new NewReward(
                completionId, "math_accuracy", "1", RuleStatus.OK, 1.0, "{\"gold\":\"3\"}", 120),
            new NewReward(completionId, "format", "1", RuleStatus.OK, 0.0, null, 5),
            new NewReward(
                completionId, "code_execution", "1", RuleStatus.NOT_APPLICABLE, null, null, 1));
    assertThat(rewardWriter.writeAll(batch)).isEqualTo(3);
    assertThat(rewardWriter.writeAll(batch)).isZero();
    // a new rule version is a new verdict
    assertThat(
            rewardWriter.writeAll(
                List.of(new NewReward(completionId, "format", "2", RuleStatus.OK, 1.0, null, 5))))
        .isEqualTo(1);
    assertThat(
            jdbc.query(
                "SELECT rule_id, rule_version, status, score FROM reward WHERE completion_id = ?",
                (rs, i) ->
                    rs.getString("rule_id")
                        + "@"
                        + rs.getString("rule_version")
                        + "="
                        + rs.getString("status")
                        + ":"
                        + rs.getObject("score", Double.class),
                completionId))
        .containsExactlyInAnyOrder(
            "math_accuracy@1=OK:1.0",
            "format@1=OK:0.0",
            "format@2=OK:1.0",
            "code_execution@1=NOT_APPLICABLE:null");
    // the schema itself refuses a score on a non-OK status, whoever writes
    assertThatThrownBy(
            () ->
                jdbc.update(
                    "INSERT INTO reward (completion_id, rule_id, rule_version, status, score) VALUES (?, 'x', '1', 'TIMEOUT', 0)",
                    completionId))
        .isInstanceOf(DataIntegrityViolationException.class);
  }

  @Test
  void runsPageByStateAndTheDatasetCursorReadsInOrder() {
    Run paused = new Run(UUID.randomUUID(), "p", "{}", null, null, Instant.now());
    paused.moveTo(RunState.PAUSED, Instant.now());
    runs.save(paused);
    assertThat(runs.findByState(RunState.PAUSED, PageRequest.of(0, 10)).getContent())
        .extracting(Run::getId)
        .contains(paused.getId())
        .doesNotContain(runId);

    List<Item> five = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      five.add(
          new Item("q" + i, "train", i, "What is " + i + "+1?", "" + (i + 1), null, "en", null));
    }
    five.add(new Item("e0", "eval", 0, "What is 9+1?", "10", "9 plus 1", null, null));
    items.materialize(runId, five);
    assertThat(items.read(runId, "train", 2, 2)).extracting(Item::key).containsExactly("q2", "q3");
    assertThat(items.count(runId, "train")).isEqualTo(5);
    assertThat(items.all(runId, "eval")).containsExactly(five.get(5));
    // written once: a second materialize (a restarted trainer) changes nothing
    items.materialize(runId, List.of(new Item("q0", "train", 99, "dup", null, null, null, null)));
    assertThat(items.read(runId, "train", 0, 1)).containsExactly(five.get(0));
    assertThat(items.count(runId, "train")).isEqualTo(5);
  }

  @Test
  void checkpointsKeepTheirDigestAndTheNewestIsFound() {
    String sha = "ab".repeat(32);
    checkpoints.save(new Checkpoint(runId, 10, 10, "file:/tmp/c10", sha, 1234));
    checkpoints.save(new Checkpoint(runId, 20, 20, "file:/tmp/c20", sha, 1300));
    assertThat(checkpoints.findFirstByRunIdOrderByPolicyVersionDesc(runId))
        .get()
        .extracting(Checkpoint::getUri)
        .isEqualTo("file:/tmp/c20");
    assertThatThrownBy(
            () -> checkpoints.saveAndFlush(new Checkpoint(runId, 30, 30, "u", "not-a-digest", 1)))
        .isInstanceOf(DataIntegrityViolationException.class);
  }
}
