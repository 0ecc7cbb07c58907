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
import java.util.Set;
import java.util.UUID;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The crash-safety promise of ARCHITECTURE §3, end to end: while a run trains, each service in turn
 * is killed with SIGKILL in the middle of a step and started again; the run still finishes, and the
 * ledger holds every completion and every reward exactly once.
 *
 * <ol>
 *   <li>the trainer dies inside the evaluation after the cold start (the reward service is down
 *       from the start, so the trainer is provably there: the eval's greedy completions are stored,
 *       their scoring waits): the successor resumes from the step-0 checkpoint and must evaluate
 *       again, or those completions never get their rewards;
 *   <li>the rollout service dies while a step samples: the trainer retries, and once the service is
 *       back (holding no policy) re-syncs the weights on its {@code policy-version-ahead};
 *   <li>the reward service dies while a step is scored: the trainer retries the scoring;
 *   <li>the trainer dies in a step after a checkpoint: its lease runs out (6 s here), the restarted
 *       trainer claims the run, resumes from the newest checkpoint and redoes the steps after it,
 *       whose rollouts the rollout service answers from the ledger.
 * </ol>
 *
 * The stack runs as {@link LocalStack} runs it for a user (real PostgreSQL, one JVM per service),
 * with short leases so the takeover does not wait for the 30 s default. Its state (logs included)
 * stays under {@code target/crash-safety-*} when the test fails.
 */
class CrashSafetyIT {

  private static final String TRAINER = "trainer-service";
  private static final String ROLLOUT = "rollout-service";
  private static final String REWARD = "reward-service";

  private static final int STEPS = 12;
  private static final int PROMPTS_PER_STEP = 4;
  private static final int GROUP_SIZE = 4;
  private static final int CHECKPOINT_EVERY = 2;
  private static final List<String> RULES = List.of("format", "math_accuracy");
  private static final String SPEC =
      """
      {"name":"crash",
       "data":{"source":"generator","generatorSize":128,"evalFraction":0.1},
       "coldStart":{"enabled":true,"examples":60,"epochs":2,"batchSize":30},
       "algorithm":{"groupSize":%d,"beta":0.04},
       "rollout":{"maxTokens":16},
       "rewards":[{"rule":"math_accuracy","weight":1.0},{"rule":"format","weight":0.2}],
       "schedule":{"steps":%d,"promptsPerStep":%d,"checkpointEvery":%d,"evalEvery":0},
       "seed":3}
      """
          .formatted(GROUP_SIZE, STEPS, PROMPTS_PER_STEP, CHECKPOINT_EVERY);

  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(10);
  private static final PrintStream out = System.out;

  private static Path state;
  private static LocalStack stack;
  private static StackConfig config;
  private static Connection db;
  private static boolean passed;
  private static final Instant testStarted = Instant.now();

  /** What a kill interrupted: training step {@code step}, or the evaluation after it. */
  private record Scope(int step, boolean eval) {
    String items() {
      return eval ? "item_key LIKE 'eval-%'" : "item_key NOT LIKE 'eval-%'";
    }

    long completions(long evalItems) {
      return eval ? evalItems : (long) PROMPTS_PER_STEP * GROUP_SIZE;
    }

    @Override
    public String toString() {
      return (eval ? "eval " : "step ") + step;
    }
  }

  /**
   * One SIGKILL: which service, what the run was doing (no scope: before the run), and the exit
   * status the process gave.
   */
  private record Kill(
      String service, long pid, Scope scope, String phase, int exitStatus, Timestamp at) {}

  @BeforeAll
  static void startStack() throws Exception {
    state =
        Path.of("target", "crash-safety-" + UUID.randomUUID().toString().substring(0, 8))
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
                    "GRPO_TRAINER_ORCHESTRATOR_POLL_INTERVAL", "1s",
                    // the first run is created while the reward service is down, on purpose:
                    // the door's check against the services would answer 503 (RunApiIT tests it)
                    "GRPO_TRAINER_CHECKSERVICES", "false"));
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
      // 50 MB of PostgreSQL data and checkpoints; kept when the test failed, for its logs
      try (Stream<Path> files = Files.walk(state)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  // Over 80 lines on purpose: one run's story: kill each service mid-step in turn and check the
  // ledger after each; split, the order of events would be lost.
  @Test
  void aRunSurvivesEachServiceBeingKilledMidStep() throws Exception {
    List<Kill> kills = new ArrayList<>();
    // the trainer inside an evaluation: with the reward service down from the start, the trainer
    // is provably there when it dies, the evaluation after the cold start having stored its
    // greedy completions and waiting to score them
    kills.add(kill(REWARD, null, "no run yet"));
    UUID run = createRun();
    out.printf("run %s created%n", run);
    awaitEvalSampled(run, 0);
    kills.add(kill(TRAINER, new Scope(0, true), "SCORING"));
    stack.restart(REWARD);
    stack.restart(TRAINER);
    // the rollout service while a step samples
    kills.add(killInStep(run, ROLLOUT, step -> true, Set.of("ROLLOUT")));
    stack.restart(ROLLOUT);
    // the reward service while a step is scored
    kills.add(killInStep(run, REWARD, step -> true, Set.of("SCORING")));
    stack.restart(REWARD);
    // the trainer in an odd step, before that step's checkpoint: the successor resumes from the
    // checkpoint of the step before and redoes it
    Kill trainerKill =
        killInStep(
            run,
            TRAINER,
            step -> step % CHECKPOINT_EVERY == 1 && step + 1 < STEPS,
            Set.of("ROLLOUT", "SCORING"));
    kills.add(trainerKill);
    stack.restart(TRAINER);

    awaitSucceeded(run);
    long seconds = elapsed();
    long evalItems =
        (long) one("SELECT count(*) FROM dataset_item WHERE run_id = ? AND split = 'eval'", run);
    printSummary(run, kills, evalItems, seconds);

    // ---------------------------------------------------------------- the kills were real
    for (Kill kill : kills) {
      assertThat(kill.exitStatus()).as(kill + ": killed by SIGKILL while alive").isEqualTo(137);
      if (kill.scope() != null) {
        assertThat(kill.scope().step()).as(kill + ": mid-run").isBetween(0, STEPS - 1);
      }
    }
    int redone = trainerKill.scope().step() - 1;
    // the successor redid the step after the checkpoint: its row was rewritten after the kill, but
    // its samples are the ones the ledger held from before the kill
    assertThat(one("SELECT started_at FROM run_step WHERE run_id = ? AND step_no = ?", run, redone))
        .as("step %d was redone by the new trainer", redone)
        .isInstanceOfSatisfying(Timestamp.class, t -> assertThat(t).isAfter(trainerKill.at()));
    assertThat(
            one(
                """
                SELECT max(created_at) FROM completion
                WHERE run_id = ? AND step_no = ? AND item_key NOT LIKE 'eval-%'
                """,
                run, redone))
        .as("the redone step %d stored no new samples", redone)
        .isInstanceOfSatisfying(Timestamp.class, t -> assertThat(t).isBefore(trainerKill.at()));

    // ---------------------------------------------------------------- the run
    assertThat(row("SELECT state, current_step, policy_version FROM run WHERE id = ?", run))
        .containsExactly("SUCCEEDED", STEPS, (long) STEPS + 1);
    HttpResponse<String> view = get("/api/v1/runs/" + run);
    assertThat(JsonPath.<String>read(view.body(), "$.state")).isEqualTo("SUCCEEDED");
    assertThat(JsonPath.<Integer>read(view.body(), "$.currentStep")).isEqualTo(STEPS);
    assertThat(rows("SELECT step_no, state FROM run_step WHERE run_id = ? ORDER BY step_no", run))
        .as("one DONE row per step")
        .isEqualTo(IntStream.range(0, STEPS).mapToObj(s -> List.<Object>of(s, "DONE")).toList());
    assertThat(column("SELECT step_no FROM checkpoint WHERE run_id = ? ORDER BY step_no", run))
        .as("a checkpoint at the start, every %d steps and at the end", CHECKPOINT_EVERY)
        .isEqualTo(
            IntStream.rangeClosed(0, STEPS)
                .filter(s -> s % CHECKPOINT_EVERY == 0 || s == STEPS)
                .boxed()
                .toList());
    assertThat(column("SELECT step_no FROM run_eval WHERE run_id = ? ORDER BY step_no", run))
        .as("evals after the cold start and at the end")
        .containsExactly(0, STEPS);

    // ---------------------------------------------------------------- completions
    int perStep = PROMPTS_PER_STEP * GROUP_SIZE;
    assertThat(
            rows(
                """
                SELECT step_no, count(*), count(DISTINCT item_key) FROM completion
                WHERE run_id = ? AND item_key NOT LIKE 'eval-%'
                GROUP BY step_no ORDER BY step_no
                """,
                run))
        .as("each step: %d prompts x %d samples", PROMPTS_PER_STEP, GROUP_SIZE)
        .isEqualTo(
            IntStream.range(0, STEPS)
                .mapToObj(s -> List.<Object>of(s, (long) perStep, (long) PROMPTS_PER_STEP))
                .toList());
    assertThat(
            rows(
                """
                SELECT step_no, item_key, array_agg(sample_index ORDER BY sample_index)::text
                FROM completion WHERE run_id = ? AND item_key NOT LIKE 'eval-%'
                GROUP BY step_no, item_key
                HAVING array_agg(sample_index ORDER BY sample_index)
                       <> array(SELECT generate_series(0, ? - 1))
                """,
                run, GROUP_SIZE))
        .as("groups whose sample indexes are not 0..%d once each", GROUP_SIZE - 1)
        .isEmpty();
    List<List<Object>> duplicateCompletions =
        rows(
            """
            SELECT step_no, item_key, sample_index, count(*) FROM completion WHERE run_id = ?
            GROUP BY step_no, item_key, sample_index HAVING count(*) > 1
            """,
            run);
    assertThat(duplicateCompletions).as("duplicate completions").isEmpty();
    assertThat(
            rows(
                """
                SELECT step_no, item_key, sample_index, policy_version FROM completion
                WHERE run_id = ? AND policy_version <> step_no + 1
                """,
                run))
        .as("every completion was sampled by its step's policy (no stale or base weights)")
        .isEmpty();
    assertThat(
            rows(
                """
                SELECT step_no, count(*), count(DISTINCT item_key), max(sample_index)
                FROM completion WHERE run_id = ? AND item_key LIKE 'eval-%'
                GROUP BY step_no ORDER BY step_no
                """,
                run))
        .as("one greedy completion per eval item and evaluation")
        .containsExactly(
            List.<Object>of(0, evalItems, evalItems, 0),
            List.<Object>of(STEPS, evalItems, evalItems, 0));

    // ---------------------------------------------------------------- rewards
    List<List<Object>> duplicateRewards =
        rows(
            """
            SELECT r.completion_id, r.rule_id, count(*) FROM reward r
            JOIN completion c ON c.id = r.completion_id
            WHERE c.run_id = ? GROUP BY r.completion_id, r.rule_id HAVING count(*) > 1
            """,
            run);
    assertThat(duplicateRewards).as("completions scored twice by a rule").isEmpty();
    List<List<Object>> wrongRuleSets =
        rows(
            """
            SELECT c.step_no, c.item_key, c.sample_index,
                   coalesce(string_agg(r.rule_id, ',' ORDER BY r.rule_id), '') AS rules
            FROM completion c LEFT JOIN reward r ON r.completion_id = c.id
            WHERE c.run_id = ? GROUP BY c.id HAVING coalesce(string_agg(r.rule_id, ','
                ORDER BY r.rule_id), '') <> ?
            """,
            run,
            String.join(",", RULES));
    assertThat(wrongRuleSets).as("completions without exactly one reward per rule").isEmpty();
    long completions = (long) one("SELECT count(*) FROM completion WHERE run_id = ?", run);
    long rewards =
        (long)
            one(
                "SELECT count(*) FROM reward r JOIN completion c ON c.id = r.completion_id"
                    + " WHERE c.run_id = ?",
                run);
    assertThat(completions).isEqualTo(STEPS * perStep + 2 * evalItems);
    assertThat(rewards).isEqualTo(completions * RULES.size());
    passed = true;
  }

  // ---------------------------------------------------------------- driving the run

  private static UUID createRun() throws IOException, InterruptedException {
    HttpResponse<String> created =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(trainerUrl() + "/api/v1/runs"))
                    .header("Authorization", "Bearer " + config.apiKey())
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(SPEC))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    return UUID.fromString(JsonPath.read(created.body(), "$.id"));
  }

  /** Kills {@code service} now, asserting that it was running. */
  private static Kill kill(String service, Scope scope, String phase) throws Exception {
    ServiceProcess process = stack.service(service);
    assertThat(process.isAlive()).as(service + " is alive before the kill").isTrue();
    Timestamp at = (Timestamp) one("SELECT now()");
    int status = stack.kill(service);
    out.printf(
        "[%4d s] killed %s %s%n",
        elapsed(), service, scope == null ? "(" + phase + ")" : "in " + scope + " (" + phase + ")");
    return new Kill(service, process.pid(), scope, phase, status, at);
  }

  /**
   * Waits until the run has a step in flight whose number {@code wanted} accepts, in one of {@code
   * phases}, and kills {@code service} at once.
   */
  private static Kill killInStep(UUID run, String service, IntPredicate wanted, Set<String> phases)
      throws Exception {
    Instant deadline = Instant.now().plus(RUN_TIMEOUT);
    Progress progress = new Progress();
    while (Instant.now().isBefore(deadline)) {
      List<Object> inFlight =
          row(
              """
              SELECT s.step_no, s.state FROM run r
              LEFT JOIN LATERAL (SELECT step_no, state FROM run_step
                                 WHERE run_id = r.id ORDER BY step_no DESC LIMIT 1) s ON true
              WHERE r.id = ?
              """,
              run);
      assertStillRunning(run, "a step to kill " + service + " in");
      if (inFlight.get(0) != null) {
        int step = (int) inFlight.get(0);
        String phase = (String) inFlight.get(1);
        if (phases.contains(phase) && wanted.test(step)) {
          return kill(service, new Scope(step, false), phase);
        }
      }
      progress.print(run);
      Thread.sleep(20);
    }
    throw new AssertionError("no step in flight to kill " + service + " in");
  }

  /** Waits until the evaluation after {@code step} steps has stored its completions. */
  private static void awaitEvalSampled(UUID run, int step) throws Exception {
    Instant deadline = Instant.now().plus(RUN_TIMEOUT);
    Progress progress = new Progress();
    while (Instant.now().isBefore(deadline)) {
      long sampled =
          (long)
              one(
                  """
                  SELECT count(*) FROM completion
                  WHERE run_id = ? AND step_no = ? AND item_key LIKE 'eval-%'
                  """,
                  run, step);
      if (sampled > 0) {
        assertThat(one("SELECT count(*) FROM run_eval WHERE run_id = ?", run))
            .as("no evaluation can finish while the reward service is down")
            .isEqualTo(0L);
        return;
      }
      assertStillRunning(run, "the evaluation's completions");
      progress.print(run);
      Thread.sleep(20);
    }
    throw new AssertionError("the evaluation after step " + step + " never sampled");
  }

  private static void awaitSucceeded(UUID run) throws Exception {
    Instant deadline = Instant.now().plus(RUN_TIMEOUT);
    Progress progress = new Progress();
    while (Instant.now().isBefore(deadline)) {
      if (one("SELECT state FROM run WHERE id = ?", run).equals("SUCCEEDED")) {
        out.printf("[%4d s] run %s SUCCEEDED%n", elapsed(), run);
        return;
      }
      assertStillRunning(run, "the run to succeed");
      progress.print(run);
      Thread.sleep(500);
    }
    throw new AssertionError("the run did not finish within " + RUN_TIMEOUT);
  }

  private static void assertStillRunning(UUID run, String waitingFor) throws SQLException {
    List<Object> r = row("SELECT state, coalesce(error, '') FROM run WHERE id = ?", run);
    assertThat((String) r.get(0))
        .as("the run's state while waiting for %s (error: %s)", waitingFor, r.get(1))
        .isIn("QUEUED", "RUNNING");
  }

  /** A progress line every 5 s while the test waits. */
  private static final class Progress {
    private Instant next = Instant.now();

    void print(UUID run) throws SQLException {
      if (Instant.now().isBefore(next)) {
        return;
      }
      next = Instant.now().plusSeconds(5);
      List<Object> r =
          row(
              """
              SELECT r.state, r.current_step,
                     (SELECT step_no || ' ' || state FROM run_step
                      WHERE run_id = r.id ORDER BY step_no DESC LIMIT 1)
              FROM run r WHERE r.id = ?
              """,
              run);
      out.printf(
          "[%4d s] run %s, %d steps done, last step row: %s%n",
          elapsed(), r.get(0), (int) r.get(1), r.get(2) == null ? "none" : r.get(2));
    }
  }

  /**
   * The table of the kills: what each one interrupted, and what the ledger holds for it (the
   * completions and rewards of that step or evaluation, duplicates, rows missing), then the whole
   * run. Printed before the assertions, so a failure comes with it.
   */
  private static void printSummary(UUID run, List<Kill> kills, long evalItems, long seconds)
      throws SQLException {
    String format = "%-16s %-8s %-10s %4s %11s %7s %10s %7s%n";
    StringBuilder table = new StringBuilder();
    table.append("%nCrash-safety summary (run %s)%n".formatted(run));
    table.append(
        format.formatted(
            "killed", "in", "phase", "exit", "completions", "rewards", "duplicates", "missing"));
    for (Kill kill : kills) {
      if (kill.scope() == null) {
        table.append(
            format.formatted(
                kill.service(), "-", kill.phase(), kill.exitStatus(), "-", "-", "-", "-"));
        continue;
      }
      Scope scope = kill.scope();
      List<Object> counts =
          row(
              """
              SELECT count(DISTINCT c.id),
                     count(r.id),
                     count(DISTINCT c.id) - count(DISTINCT (c.item_key, c.sample_index))
                       + count(r.id) - count(DISTINCT r.completion_id || '/' || r.rule_id)
              FROM completion c LEFT JOIN reward r ON r.completion_id = c.id
              WHERE c.run_id = ? AND c.step_no = ? AND c.%s
              """
                  .formatted(scope.items()),
              run,
              scope.step());
      long completions = (long) counts.get(0);
      long rewards = (long) counts.get(1);
      long expected = scope.completions(evalItems);
      table.append(
          format.formatted(
              kill.service(),
              scope,
              kill.phase(),
              kill.exitStatus(),
              completions,
              rewards,
              counts.get(2),
              Math.max(0, expected - completions)
                  + Math.max(0, expected * RULES.size() - rewards)));
    }
    long expected = (long) STEPS * PROMPTS_PER_STEP * GROUP_SIZE + 2 * evalItems;
    List<Object> whole =
        row(
            """
            SELECT count(DISTINCT c.id),
                   count(r.id),
                   count(DISTINCT c.id)
                     - count(DISTINCT (c.step_no, c.item_key, c.sample_index))
                     + count(r.id) - count(DISTINCT r.completion_id || '/' || r.rule_id),
                   (SELECT state FROM run WHERE id = ?)
            FROM completion c LEFT JOIN reward r ON r.completion_id = c.id
            WHERE c.run_id = ?
            """,
            run,
            run);
    table.append(
        format.formatted(
            "whole run",
            "0-" + (STEPS - 1),
            "",
            "",
            whole.get(0),
            whole.get(1),
            whole.get(2),
            Math.max(0, expected - (long) whole.get(0))
                + Math.max(0, expected * RULES.size() - (long) whole.get(1))));
    table.append(
        "%d steps x %d prompts x %d samples + 2 evals x %d items, rules %s; run %s after %d s%n"
            .formatted(
                STEPS, PROMPTS_PER_STEP, GROUP_SIZE, evalItems, RULES, whole.get(3), seconds));
    out.println(table);
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

  private static List<List<Object>> rows(String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = db.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      List<List<Object>> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        int columns = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          List<Object> row = new ArrayList<>(columns);
          for (int c = 1; c <= columns; c++) {
            row.add(rs.getObject(c));
          }
          out.add(row);
        }
      }
      return out;
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
