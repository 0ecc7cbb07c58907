package dev.grpo.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 14's crash promise for pipelines, with real processes: a pipeline grpo → rejection_sampling
 * → sft → eval runs on the local stack (real PostgreSQL, one JVM per service) while services are
 * killed with SIGKILL mid-stage and started again:
 *
 * <ol>
 *   <li>the reward service while a step of the {@code grpo} stage is scored (the trainer retries
 *       the scoring once it is back);
 *   <li>the trainer in the middle of the {@code rejection_sampling} stage, once rounds of it are
 *       sampled and rows written: its lease runs out (6 s here), the restarted trainer takes the
 *       stage's run over and redoes it from its start, the rounds already sampled answered from the
 *       ledger;
 *   <li>the rollout service in the same stage, after the takeover (the trainer retries the round
 *       and publishes the teacher again to the fresh service).
 * </ol>
 *
 * The pipeline must end SUCCEEDED with one run per stage, each rejection-sampling row written once
 * and exactly the rows the filter keeps from the samples in the ledger, the sampling counts not
 * counted twice, every step and completion once, and the checkpoints' lineage intact. The counts
 * are printed as one line. State (logs included) stays under {@code target/pipeline-crash-*} when
 * the test fails.
 */
class PipelineCrashIT {

  private static final String TRAINER = "trainer-service";
  private static final String ROLLOUT = "rollout-service";
  private static final String REWARD = "reward-service";

  private static final int GRPO_STEPS = 6;
  private static final int PROMPTS_PER_STEP = 4;
  private static final int GROUP_SIZE = 4;
  private static final int RS_PROMPTS = 96;
  private static final int RS_PER_ROUND = 8;
  private static final int RS_SAMPLES = 4;
  private static final int RS_CAP = 2;
  private static final List<String> RULES = List.of("format", "math_accuracy");
  private static final String DATA =
      """
      "data": {"source": "generator", "generatorSize": 128, "evalFraction": 0.1},
      "rollout": {"maxTokens": 16},
      "rewards": [{"rule": "math_accuracy", "weight": 1.0}, {"rule": "format", "weight": 0.2}]
      """;

  /**
   * No thresholds and truncated samples kept: what the filter keeps then depends on the samples
   * only (the first {@value #RS_CAP} distinct texts of each prompt), so the test recomputes it from
   * the ledger's completions whatever the tiny policy wrote.
   */
  private static final String PIPELINE =
      """
      {"name": "pipeline-crash", "stages": [
        {"name": "rl1", "kind": "grpo", "spec": {"seed": 3, %1$s,
           "coldStart": {"enabled": true, "examples": 60, "epochs": 2, "batchSize": 30},
           "algorithm": {"groupSize": %2$d, "beta": 0.0},
           "schedule": {"steps": %3$d, "promptsPerStep": %4$d, "checkpointEvery": 2,
                        "evalEvery": 0}}},
        {"name": "rs", "kind": "rejection_sampling", "from": "rl1.checkpoint",
         "spec": {"seed": 3, %1$s, "schedule": {"promptsPerStep": %5$d},
           "rejectionSampling": {"samplesPerPrompt": %6$d, "maxPrompts": %7$d,
             "maxPerPrompt": %8$d, "keepTruncated": true, "minKept": 1}}},
        {"name": "sft", "kind": "sft", "from": "rs.dataset", "init": "rl1.checkpoint",
         "spec": {"seed": 3, %1$s, "sft": {"epochs": 1, "batchSize": 32},
                  "optimizer": {"learningRate": 0.001}}},
        {"name": "ev", "kind": "eval", "from": "sft.checkpoint", "spec": {"seed": 3, %1$s}}
      ]}
      """
          .formatted(
              DATA,
              GROUP_SIZE,
              GRPO_STEPS,
              PROMPTS_PER_STEP,
              RS_PER_ROUND,
              RS_SAMPLES,
              RS_PROMPTS,
              RS_CAP);

  private static final Duration TIMEOUT = Duration.ofMinutes(8);
  private static final PrintStream out = System.out;

  private static Path state;
  private static LocalStack stack;
  private static StackConfig config;
  private static Connection db;
  private static boolean passed;
  private static final Instant testStarted = Instant.now();

  /** One SIGKILL: which service, in which stage and at what point, its exit status and time. */
  private record Kill(String service, String stage, String at, int exitStatus, Timestamp when) {}

  @BeforeAll
  static void startStack() throws Exception {
    state =
        Path.of("target", "pipeline-crash-" + UUID.randomUUID().toString().substring(0, 8))
            .toAbsolutePath();
    Map<String, String> env = new HashMap<>();
    env.put("GRPO_HOME", Path.of("..").toAbsolutePath().normalize().toString());
    env.put("GRPO_STATE_DIR", state.toString());
    env.put("GRPO_TRAINER_PORT", Integer.toString(freePort()));
    env.put("GRPO_ROLLOUT_PORT", Integer.toString(freePort()));
    env.put("GRPO_REWARD_PORT", Integer.toString(freePort()));
    env.put("GRPO_PG_PORT", Integer.toString(freePort()));
    env.put("GRPO_JAVA_OPTS", "-Xmx512m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
    config =
        StackConfig.fromEnvironment(env)
            .withExtraEnv(
                Map.of(
                    // a killed trainer's run is taken over 6 s after its last heartbeat
                    "GRPO_TRAINER_ORCHESTRATOR_LEASE_DURATION", "6s",
                    "GRPO_TRAINER_ORCHESTRATOR_HEARTBEAT_INTERVAL", "2s",
                    "GRPO_TRAINER_ORCHESTRATOR_POLL_INTERVAL", "1s"));
    stack = new LocalStack(config, out);
    stack.start();
    out.printf("stack up after %d s (state in %s)%n", elapsed(), state);
    db = DriverManager.getConnection(stack.jdbcUrl(), "postgres", "postgres");
  }

  @AfterAll
  static void stopStack() throws SQLException, IOException {
    if (db != null) {
      db.close();
    }
    if (stack != null) {
      stack.close();
    }
    if (passed) {
      try (Stream<Path> files = Files.walk(state)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  // Over 80 lines on purpose: one pipeline's story, the kills in the order they happen and the
  // ledger checked against what they could have broken.
  @Test
  void aPipelineSurvivesServicesKilledMidStageWithEachStageRunAndRowOnce() throws Exception {
    UUID pipeline = createPipeline();
    out.printf("pipeline %s created%n", pipeline);
    List<Kill> kills = new ArrayList<>();

    // 1. the reward service while a step of the grpo stage is scored
    UUID rl1 = awaitStageRun(pipeline, "rl1");
    awaitTrue(
        "a grpo step of rl1 in SCORING",
        pipeline,
        () ->
            exists(
                "SELECT 1 FROM run_step WHERE run_id = ? AND state = 'SCORING' AND step_no >= 1",
                rl1));
    kills.add(
        kill(
            REWARD,
            "rl1",
            "step " + one("SELECT max(step_no) FROM run_step WHERE run_id = ?", rl1)));
    Thread.sleep(1500);
    stack.restart(REWARD);

    // 2. the trainer in the rejection-sampling stage, with rounds sampled and rows written
    UUID rs = awaitStageRun(pipeline, "rs");
    awaitTrue(
        "rejection sampling past its first rounds, rows written",
        pipeline,
        () ->
            (int) one("SELECT coalesce(max(step_no), -1) FROM completion WHERE run_id = ?", rs) >= 2
                && (long)
                        one(
                            "SELECT count(*) FROM dataset_row r JOIN dataset d"
                                + " ON d.id = r.dataset_id WHERE d.run_id = ?",
                            rs)
                    > 0);
    int roundsBefore =
        (int) one("SELECT max(step_no) FROM completion WHERE run_id = ?", rs); // in flight or done
    long rowsBefore =
        (long)
            one(
                "SELECT count(*) FROM dataset_row r JOIN dataset d ON d.id = r.dataset_id"
                    + " WHERE d.run_id = ?",
                rs);
    Kill trainerKill = kill(TRAINER, "rs", "round " + roundsBefore + ", " + rowsBefore + " rows");
    kills.add(trainerKill);
    stack.restart(TRAINER);

    // 3. the rollout service once the new trainer samples rounds the dead one never reached
    awaitTrue(
        "the successor sampling a new round of rs",
        pipeline,
        () ->
            (int) one("SELECT coalesce(max(step_no), -1) FROM completion WHERE run_id = ?", rs)
                > roundsBefore);
    kills.add(
        kill(
            ROLLOUT,
            "rs",
            "round " + one("SELECT max(step_no) FROM completion WHERE run_id = ?", rs)));
    Thread.sleep(1500);
    stack.restart(ROLLOUT);

    String view = awaitEnd(pipeline);
    long seconds = elapsed();
    UUID dataset = UUID.fromString(JsonPath.read(view, "$.stages[1].dataset"));
    String counts = summary(pipeline, rl1, rs, dataset, kills, seconds);
    out.println(counts);

    // ---------------------------------------------------------------- the kills were real
    for (Kill kill : kills) {
      assertThat(kill.exitStatus()).as(kill + ": killed by SIGKILL while alive").isEqualTo(137);
    }

    // ---------------------------------------------------------------- the pipeline
    assertThat(JsonPath.<String>read(view, "$.state")).as(view).isEqualTo("SUCCEEDED");
    assertThat(JsonPath.<List<String>>read(view, "$.stages[*].state"))
        .containsExactly("SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED");
    assertThat(
            column(
                "SELECT state FROM run WHERE idempotency_key LIKE ? ORDER BY created_at",
                "pipeline:" + pipeline + ":%"))
        .as("exactly one run per stage")
        .containsExactly("SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED");
    assertThat(
            column(
                "SELECT count(DISTINCT run_id) FROM pipeline_stage WHERE pipeline_id = ?",
                pipeline))
        .containsExactly(4L);

    // ---------------------------------------------------------------- the grpo stage
    assertThat(rows("SELECT step_no, state FROM run_step WHERE run_id = ? ORDER BY step_no", rl1))
        .as("one DONE row per step of rl1")
        .isEqualTo(
            IntStream.range(0, GRPO_STEPS).mapToObj(s -> List.<Object>of(s, "DONE")).toList());
    assertThat(
            rows(
                """
                SELECT step_no, count(*) FROM completion
                WHERE run_id = ? AND item_key NOT LIKE 'eval-%' GROUP BY step_no ORDER BY step_no
                """,
                rl1))
        .as("rl1: %d prompts x %d samples per step", PROMPTS_PER_STEP, GROUP_SIZE)
        .isEqualTo(
            IntStream.range(0, GRPO_STEPS)
                .mapToObj(s -> List.<Object>of(s, (long) PROMPTS_PER_STEP * GROUP_SIZE))
                .toList());

    // ---------------------------------------------------------------- rejection sampling
    int rounds = (RS_PROMPTS + RS_PER_ROUND - 1) / RS_PER_ROUND;
    assertThat(
            rows(
                """
                SELECT step_no, count(*), count(DISTINCT item_key) FROM completion
                WHERE run_id = ? GROUP BY step_no ORDER BY step_no
                """,
                rs))
        .as("rs: %d rounds of %d prompts x %d samples", rounds, RS_PER_ROUND, RS_SAMPLES)
        .isEqualTo(
            IntStream.range(0, rounds)
                .mapToObj(
                    r -> List.<Object>of(r, (long) RS_PER_ROUND * RS_SAMPLES, (long) RS_PER_ROUND))
                .toList());
    assertThat(
            one(
                "SELECT count(*) FROM completion WHERE run_id = ? AND step_no < ?"
                    + " AND created_at > ?",
                rs,
                roundsBefore,
                trainerKill.when()))
        .as("the rounds sampled before the trainer died were not sampled again")
        .isEqualTo(0L);
    assertThat(column("SELECT row_key FROM dataset_row WHERE dataset_id = ? ORDER BY 1", dataset))
        .as("the rows are exactly the first %d distinct texts of each prompt's samples", RS_CAP)
        .isEqualTo(
            column(
                """
                WITH firsts AS (
                  SELECT item_key, text, min(sample_index) AS first FROM completion
                  WHERE run_id = ? GROUP BY item_key, text),
                ranked AS (
                  SELECT item_key, first,
                         row_number() OVER (PARTITION BY item_key ORDER BY first) AS r
                  FROM firsts)
                SELECT item_key || '#' || first FROM ranked WHERE r <= ? ORDER BY 1
                """,
                rs,
                RS_CAP));
    assertThat(
            rows(
                """
                SELECT r.row_key FROM dataset_row r
                LEFT JOIN completion c ON c.id = (r.provenance->>'completion_id')::bigint
                WHERE r.dataset_id = ? AND (c.id IS NULL OR c.run_id <> ? OR c.text <> r.completion)
                """,
                dataset,
                rs))
        .as("every row is the text of the ledger's completion its provenance names")
        .isEmpty();
    assertThat(
            rows(
                """
                SELECT (stats->>'prompts')::int, (stats->>'samples')::int, (stats->>'kept')::int
                FROM dataset WHERE id = ?
                """,
                dataset))
        .as("the counts of the redone stage, not the sum of both trainers'")
        .containsExactly(
            List.of(
                RS_PROMPTS,
                RS_PROMPTS * RS_SAMPLES,
                ((Long) one("SELECT count(*) FROM dataset_row WHERE dataset_id = ?", dataset))
                    .intValue()));

    // ---------------------------------------------------------------- every run's ledger
    assertThat(
            rows(
                """
                SELECT c.run_id, c.step_no, c.item_key, c.sample_index FROM completion c
                JOIN pipeline_stage s ON s.run_id = c.run_id AND s.pipeline_id = ?
                GROUP BY 1, 2, 3, 4 HAVING count(*) > 1
                """,
                pipeline))
        .as("duplicate completions")
        .isEmpty();
    assertThat(
            rows(
                """
                SELECT c.id, coalesce(string_agg(r.rule_id, ',' ORDER BY r.rule_id), '')
                FROM completion c JOIN pipeline_stage s ON s.run_id = c.run_id
                LEFT JOIN reward r ON r.completion_id = c.id
                WHERE s.pipeline_id = ? GROUP BY c.id
                HAVING coalesce(string_agg(r.rule_id, ',' ORDER BY r.rule_id), '') <> ?
                """,
                pipeline,
                String.join(",", RULES)))
        .as("completions without exactly one reward per rule")
        .isEmpty();

    // ---------------------------------------------------------------- lineage
    long rl1Checkpoint =
        (long) one("SELECT id FROM checkpoint WHERE run_id = ? AND step_no = ?", rl1, GRPO_STEPS);
    assertThat(((Number) JsonPath.read(view, "$.stages[0].checkpoint.id")).longValue())
        .isEqualTo(rl1Checkpoint);
    assertThat(
            column(
                "SELECT DISTINCT provenance->'policy'->>'checkpoint' FROM dataset_row"
                    + " WHERE dataset_id = ?",
                dataset))
        .as("every row was sampled from rl1's final checkpoint")
        .containsExactly(Long.toString(rl1Checkpoint));
    assertThat(one("SELECT run_id FROM dataset WHERE id = ?", dataset)).isEqualTo(rs);
    long sftCheckpoint = ((Number) JsonPath.read(view, "$.stages[2].checkpoint.id")).longValue();
    assertThat(one("SELECT parent_checkpoint_id FROM checkpoint WHERE id = ?", sftCheckpoint))
        .as("the sft checkpoint's parent")
        .isEqualTo(rl1Checkpoint);
    assertThat(one("SELECT count(*) FROM checkpoint WHERE run_id = ?", stageRun(pipeline, "sft")))
        .as("the sft stage checkpointed once")
        .isEqualTo(1L);
    assertThat(
            one(
                "SELECT spec->>'initialCheckpoint' FROM run WHERE id = ?",
                stageRun(pipeline, "ev")))
        .isEqualTo(Long.toString(sftCheckpoint));
    assertThat(((Number) JsonPath.read(view, "$.table.rows[3].accuracy")).doubleValue())
        .as("the eval stage reported its accuracy")
        .isBetween(0.0, 1.0);
    passed = true;
  }

  // ---------------------------------------------------------------- driving the pipeline

  private static UUID createPipeline() throws IOException, InterruptedException {
    HttpResponse<String> created =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(trainerUrl() + "/api/v1/pipelines"))
                    .header("Authorization", "Bearer " + config.apiKey())
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(PIPELINE))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    return UUID.fromString(JsonPath.read(created.body(), "$.id"));
  }

  private static Kill kill(String service, String stage, String at) throws Exception {
    assertThat(stack.service(service).isAlive()).as(service + " is alive before the kill").isTrue();
    Timestamp when = (Timestamp) one("SELECT now()");
    int status = stack.kill(service);
    out.printf("[%4d s] killed %s in stage %s (%s)%n", elapsed(), service, stage, at);
    return new Kill(service, stage, at, status, when);
  }

  private static UUID awaitStageRun(UUID pipeline, String stage) throws Exception {
    awaitTrue("stage " + stage + "'s run", pipeline, () -> stageRun(pipeline, stage) != null);
    return stageRun(pipeline, stage);
  }

  private static UUID stageRun(UUID pipeline, String stage) throws SQLException {
    return (UUID)
        one(
            "SELECT run_id FROM pipeline_stage WHERE pipeline_id = ? AND name = ?",
            pipeline,
            stage);
  }

  /** A condition on the ledger, polled every 20 ms while the pipeline is still going. */
  @FunctionalInterface
  private interface Probe {
    boolean holds() throws SQLException;
  }

  private static void awaitTrue(String what, UUID pipeline, Probe probe) throws Exception {
    Instant deadline = Instant.now().plus(TIMEOUT);
    Instant nextLine = Instant.now();
    while (Instant.now().isBefore(deadline)) {
      if (probe.holds()) {
        return;
      }
      List<Object> p =
          row(
              """
              SELECT p.state, coalesce(p.error, ''),
                     (SELECT string_agg(name || ':' || state, ' ' ORDER BY ordinal)
                      FROM pipeline_stage WHERE pipeline_id = p.id)
              FROM pipeline p WHERE p.id = ?
              """,
              pipeline);
      assertThat((String) p.get(0))
          .as("the pipeline while waiting for %s (error: %s)", what, p.get(1))
          .isIn("QUEUED", "RUNNING");
      if (!Instant.now().isBefore(nextLine)) {
        out.printf("[%4d s] waiting for %s; stages %s%n", elapsed(), what, p.get(2));
        nextLine = Instant.now().plusSeconds(10);
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no " + what + " within " + TIMEOUT);
  }

  private static String awaitEnd(UUID pipeline) throws Exception {
    Instant deadline = Instant.now().plus(TIMEOUT);
    Predicate<String> ended = s -> List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(s);
    while (Instant.now().isBefore(deadline)) {
      HttpResponse<String> view = get("/api/v1/pipelines/" + pipeline);
      if (view.statusCode() == 200 && ended.test(JsonPath.read(view.body(), "$.state"))) {
        out.printf(
            "[%4d s] pipeline %s%n", elapsed(), JsonPath.<String>read(view.body(), "$.state"));
        return view.body();
      }
      Thread.sleep(500);
    }
    throw new AssertionError("the pipeline did not end within " + TIMEOUT);
  }

  /** The counts the test checks, as one line (and the kills above it). */
  private static String summary(
      UUID pipeline, UUID rl1, UUID rs, UUID dataset, List<Kill> kills, long seconds)
      throws SQLException {
    StringBuilder s = new StringBuilder("\nPipeline crash summary (pipeline " + pipeline + ")\n");
    for (Kill k : kills) {
      s.append(
          "  SIGKILL %s in %s at %s: exit %d%n"
              .formatted(k.service(), k.stage(), k.at(), k.exitStatus()));
    }
    List<Object> c =
        row(
            """
            SELECT (SELECT count(*) FROM run WHERE idempotency_key LIKE ?),
                   (SELECT count(*) FROM run_step WHERE run_id = ?),
                   (SELECT count(*) FROM completion WHERE run_id = ?),
                   (SELECT count(*) FROM dataset_row WHERE dataset_id = ?),
                   (SELECT count(DISTINCT provenance->>'item') FROM dataset_row
                    WHERE dataset_id = ?),
                   (SELECT stats::text FROM dataset WHERE id = ?),
                   (SELECT count(*) - count(DISTINCT (c.run_id, c.step_no, c.item_key,
                           c.sample_index)) FROM completion c JOIN pipeline_stage p
                           ON p.run_id = c.run_id WHERE p.pipeline_id = ?),
                   (SELECT count(*) - count(DISTINCT (r.completion_id, r.rule_id)) FROM reward r
                    JOIN completion c ON c.id = r.completion_id JOIN pipeline_stage p
                    ON p.run_id = c.run_id WHERE p.pipeline_id = ?),
                   (SELECT state FROM pipeline WHERE id = ?)
            """,
            "pipeline:" + pipeline + ":%",
            rl1,
            rs,
            dataset,
            dataset,
            dataset,
            pipeline,
            pipeline,
            pipeline);
    s.append(
        ("pipeline %s after %d s, %d kills: %d stage runs; rl1 %d step rows; rs %d completions,"
                + " %d dataset rows (of %d prompts), stats %s; duplicate completions %d,"
                + " duplicate rewards %d")
            .formatted(
                c.get(8),
                seconds,
                kills.size(),
                c.get(0),
                c.get(1),
                c.get(2),
                c.get(3),
                c.get(4),
                c.get(5),
                c.get(6),
                c.get(7)));
    return s.toString();
  }

  // ---------------------------------------------------------------- plumbing

  private static String trainerUrl() {
    return config.service(TRAINER).url();
  }

  private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(trainerUrl() + path))
                .header("Authorization", "Bearer " + config.apiKey())
                .build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private static boolean exists(String sql, Object... args) throws SQLException {
    return !rows(sql, args).isEmpty();
  }

  private static List<List<Object>> rows(String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = db.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      List<List<Object>> result = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        int columns = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          List<Object> row = new ArrayList<>(columns);
          for (int c = 1; c <= columns; c++) {
            row.add(rs.getObject(c));
          }
          result.add(row);
        }
      }
      return result;
    }
  }

  private static List<Object> row(String sql, Object... args) throws SQLException {
    List<List<Object>> all = rows(sql, args);
    assertThat(all).as(sql).hasSize(1);
    return all.get(0);
  }

  private static Object one(String sql, Object... args) throws SQLException {
    return row(sql, args).get(0);
  }

  private static List<Object> column(String sql, Object... args) throws SQLException {
    return rows(sql, args).stream().map(r -> r.get(0)).toList();
  }

  private static long elapsed() {
    return Duration.between(testStarted, Instant.now()).toSeconds();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
