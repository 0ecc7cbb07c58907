package dev.grpo.ledger.completion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpo.ledger.LedgerTestApplication;
import dev.grpo.ledger.checkpoint.Checkpoint;
import dev.grpo.ledger.checkpoint.CheckpointRepository;
import dev.grpo.ledger.completion.CompletionWriter.NewCompletion;
import dev.grpo.ledger.completion.CompletionWriter.StoredCompletion;
import dev.grpo.ledger.dataset.DatasetItem;
import dev.grpo.ledger.dataset.DatasetItemRepository;
import dev.grpo.ledger.reward.RewardRepository;
import dev.grpo.ledger.reward.RewardWriter;
import dev.grpo.ledger.reward.RewardWriter.NewReward;
import dev.grpo.ledger.run.Run;
import dev.grpo.ledger.run.RunRepository;
import dev.grpo.ledger.run.RunState;
import dev.grpo.ledger.testing.SharedPostgres;
import dev.grpo.rule.RuleStatus;
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
  @Autowired CompletionRepository completions;
  @Autowired RewardWriter rewardWriter;
  @Autowired RewardRepository rewards;
  @Autowired DatasetItemRepository items;
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
    assertThat(completions.countByRunId(runId)).isEqualTo(12);
    assertThat(completions.findByRunIdAndStepNoOrderByItemKeyAscSampleIndexAsc(runId, 7))
        .extracting(Completion::getText)
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
    assertThat(rewards.findByCompletionIdIn(List.of(completionId)))
        .extracting(
            r ->
                r.getRuleId() + "@" + r.getRuleVersion() + "=" + r.getStatus() + ":" + r.getScore())
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

    for (int i = 0; i < 5; i++) {
      items.save(
          new DatasetItem(
              runId,
              "q" + i,
              "train",
              i,
              "What is " + i + "+1?",
              "{\"answer\":\"" + (i + 1) + "\"}",
              "en"));
    }
    assertThat(items.nextBatch(runId, "train", 1, 2))
        .extracting(DatasetItem::getItemKey)
        .containsExactly("q2", "q3");
    assertThatThrownBy(
            () -> items.saveAndFlush(new DatasetItem(runId, "q0", "train", 99, "dup", "{}", null)))
        .isInstanceOf(DataIntegrityViolationException.class);
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
