package dev.grpo.trainer.step;

import dev.grpo.api.problem.FieldProblem;
import dev.grpo.ledger.run.RunRepository;
import dev.grpo.web.ApiException;
import dev.grpo.web.InvalidRequestException;
import java.io.IOException;
import java.sql.Array;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import tools.jackson.databind.ObjectMapper;

/**
 * What a run did, step by step: {@code GET /runs/{id}/steps} (metrics and phase timings), {@code
 * GET /runs/{id}/samples?step=} (completions with their per-rule rewards), {@code GET
 * /runs/{id}/evals} (held-out evaluations), {@code GET /runs/{id}/events} (server-sent events).
 */
@RestController
@RequestMapping("/api/v1/runs/{id}")
class StepController {

  /** A page of steps. */
  record StepPage(UUID runId, List<StepLedger.StepRow> steps) {}

  /** The held-out evaluations of a run. */
  record EvalPage(UUID runId, List<StepLedger.EvalRow> evals) {}

  /** One rule's stored result for a sample. */
  record SampleReward(String rule, String version, String status, Double score) {}

  /** One stored completion with its rewards. */
  record SampleView(
      long completionId,
      String itemId,
      String split,
      String prompt,
      int sampleIndex,
      String text,
      int tokens,
      String finishReason,
      long policyVersion,
      String backend,
      List<SampleReward> rewards) {}

  /** A page of samples. */
  record SamplePage(
      UUID runId, int step, int page, int size, long totalItems, List<SampleView> samples) {}

  private static final String SAMPLES =
      """
      SELECT c.id, c.item_key, d.split, d.prompt, c.sample_index, c.text,
             cardinality(c.token_ids) AS tokens, c.finish_reason, c.policy_version, c.backend,
             array_agg(r.rule_id ORDER BY r.rule_id) FILTER (WHERE r.id IS NOT NULL) AS rules,
             array_agg(r.rule_version ORDER BY r.rule_id) FILTER (WHERE r.id IS NOT NULL)
                 AS versions,
             array_agg(r.status ORDER BY r.rule_id) FILTER (WHERE r.id IS NOT NULL) AS statuses,
             array_agg(r.score ORDER BY r.rule_id) FILTER (WHERE r.id IS NOT NULL) AS scores
      FROM completion c
      LEFT JOIN dataset_item d ON d.run_id = c.run_id AND d.item_key = c.item_key
      LEFT JOIN reward r ON r.completion_id = c.id
      WHERE c.run_id = ? AND c.step_no = ?
      GROUP BY c.id, d.split, d.prompt
      ORDER BY d.split DESC NULLS LAST, c.item_key, c.sample_index
      LIMIT ? OFFSET ?
      """;

  private final RunRepository runs;
  private final StepLedger steps;
  private final JdbcTemplate jdbc;
  private final ObjectMapper mapper;

  /** One thread per open stream, mostly asleep between ledger reads. */
  private final ExecutorService streams =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "run-events");
            t.setDaemon(true);
            return t;
          });

  StepController(RunRepository runs, StepLedger steps, JdbcTemplate jdbc, ObjectMapper mapper) {
    this.runs = runs;
    this.steps = steps;
    this.jdbc = jdbc;
    this.mapper = mapper;
  }

  @GetMapping("/steps")
  StepPage steps(
      @PathVariable UUID id,
      @RequestParam(defaultValue = "0") String from,
      @RequestParam(defaultValue = "1000") String limit) {
    List<FieldProblem> problems = new ArrayList<>();
    int fromStep = intParam("from", from, 0, Integer.MAX_VALUE, problems);
    int max = intParam("limit", limit, 1, 10_000, problems);
    if (!problems.isEmpty()) {
      throw new InvalidRequestException(problems);
    }
    requireRun(id);
    return new StepPage(id, steps.steps(id, fromStep, max));
  }

  @GetMapping("/evals")
  EvalPage evals(@PathVariable UUID id) {
    requireRun(id);
    return new EvalPage(id, steps.evals(id));
  }

  @GetMapping("/samples")
  SamplePage samples(
      @PathVariable UUID id,
      @RequestParam(required = false) String step,
      @RequestParam(defaultValue = "0") String page,
      @RequestParam(defaultValue = "100") String size) {
    List<FieldProblem> problems = new ArrayList<>();
    if (step == null) {
      problems.add(new FieldProblem("step", "is required: the step whose samples to list"));
    }
    int stepNo = step == null ? 0 : intParam("step", step, 0, Integer.MAX_VALUE, problems);
    int pageNo = intParam("page", page, 0, Integer.MAX_VALUE, problems);
    int pageSize = intParam("size", size, 1, 1000, problems);
    if (!problems.isEmpty()) {
      throw new InvalidRequestException(problems);
    }
    requireRun(id);
    Long total =
        jdbc.queryForObject(
            "SELECT count(*) FROM completion WHERE run_id = ? AND step_no = ?",
            Long.class,
            id,
            stepNo);
    List<SampleView> samples =
        jdbc.query(
            SAMPLES,
            (rs, i) -> {
              List<SampleReward> rewards = new ArrayList<>();
              Object[] rules = array(rs.getArray("rules"));
              Object[] versions = array(rs.getArray("versions"));
              Object[] statuses = array(rs.getArray("statuses"));
              Object[] scores = array(rs.getArray("scores"));
              for (int k = 0; k < rules.length; k++) {
                rewards.add(
                    new SampleReward(
                        (String) rules[k],
                        (String) versions[k],
                        (String) statuses[k],
                        scores[k] == null ? null : ((Number) scores[k]).doubleValue()));
              }
              return new SampleView(
                  rs.getLong("id"),
                  rs.getString("item_key"),
                  rs.getString("split"),
                  rs.getString("prompt"),
                  rs.getInt("sample_index"),
                  rs.getString("text"),
                  rs.getInt("tokens"),
                  rs.getString("finish_reason"),
                  rs.getLong("policy_version"),
                  rs.getString("backend"),
                  rewards);
            },
            id,
            stepNo,
            pageSize,
            (long) pageNo * pageSize);
    return new SamplePage(id, stepNo, pageNo, pageSize, total == null ? 0 : total, samples);
  }

  /**
   * Server-sent events: one {@code step} event per finished step (its id is the step number, so a
   * client that reconnects with {@code Last-Event-ID} continues after it), an {@code eval} event
   * per evaluation, and a final {@code end} event with the run's terminal state. The stream reads
   * the ledger, so it shows the run whichever trainer drives it.
   */
  @GetMapping(path = "/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  SseEmitter events(
      @PathVariable UUID id,
      @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId) {
    requireRun(id);
    int next = 0;
    if (lastEventId != null) {
      try {
        next = Integer.parseInt(lastEventId.trim()) + 1;
      } catch (NumberFormatException e) {
        throw new InvalidRequestException(
            List.of(new FieldProblem("Last-Event-ID", "must be a step number")));
      }
    }
    SseEmitter emitter = new SseEmitter(0L);
    int first = next;
    streams.execute(() -> stream(id, first, emitter));
    return emitter;
  }

  private void stream(UUID id, int from, SseEmitter emitter) {
    int next = from;
    Set<Integer> evalsSent = new HashSet<>();
    // a failed step is sent, and sent again when its retry finishes (a new finish time)
    Map<Integer, java.time.Instant> sentFinish = new java.util.HashMap<>();
    long lastSend = System.nanoTime();
    try {
      while (true) {
        for (StepLedger.StepRow row : steps.finishedSteps(id, next)) {
          if (row.step() != next) {
            break;
          }
          if (!row.finishedAt().equals(sentFinish.get(row.step()))) {
            SseEmitter.SseEventBuilder event = SseEmitter.event().name("step");
            if ("DONE".equals(row.state())) {
              // the reconnection id only moves past a step that is done
              event.id(Integer.toString(row.step()));
            }
            emitter.send(event.data(mapper.writeValueAsString(row), MediaType.APPLICATION_JSON));
            sentFinish.put(row.step(), row.finishedAt());
            lastSend = System.nanoTime();
          }
          if (!"DONE".equals(row.state())) {
            break;
          }
          next++;
        }
        for (StepLedger.EvalRow eval : steps.evals(id)) {
          if (eval.step() >= from && evalsSent.add(eval.step())) {
            emitter.send(
                SseEmitter.event()
                    .name("eval")
                    .data(mapper.writeValueAsString(eval), MediaType.APPLICATION_JSON));
            lastSend = System.nanoTime();
          }
        }
        String state = jdbc.queryForObject("SELECT state FROM run WHERE id = ?", String.class, id);
        if (Set.of("SUCCEEDED", "FAILED", "CANCELLED").contains(state)
            && steps.finishedSteps(id, next).stream()
                .allMatch(r -> r.finishedAt().equals(sentFinish.get(r.step())))) {
          String error =
              jdbc.queryForObject("SELECT error FROM run WHERE id = ?", String.class, id);
          Map<String, Object> end = new java.util.LinkedHashMap<>();
          end.put("state", state);
          end.put("error", error);
          emitter.send(
              SseEmitter.event()
                  .name("end")
                  .data(mapper.writeValueAsString(end), MediaType.APPLICATION_JSON));
          emitter.complete();
          return;
        }
        if (System.nanoTime() - lastSend > 15_000_000_000L) {
          emitter.send(SseEmitter.event().comment("keep-alive"));
          lastSend = System.nanoTime();
        }
        Thread.sleep(500);
      }
    } catch (IOException | IllegalStateException e) {
      // the client went away
      emitter.completeWithError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      emitter.complete();
    } catch (RuntimeException e) {
      emitter.completeWithError(e);
    }
  }

  private void requireRun(UUID id) {
    if (!runs.existsById(id)) {
      throw ApiException.notFound("run", id);
    }
  }

  private static Object[] array(Array a) throws SQLException {
    return a == null ? new Object[0] : (Object[]) a.getArray();
  }

  static int intParam(String name, String value, int min, int max, List<FieldProblem> out) {
    try {
      int v = Integer.parseInt(value);
      if (v >= min && v <= max) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    out.add(new FieldProblem(name, "must be an integer from " + min + " to " + max));
    return min;
  }
}
