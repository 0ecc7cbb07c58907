package dev.grpo.trainer.run;

import dev.grpo.api.problem.FieldProblem;
import dev.grpo.ledger.sweep.Sweeps;
import dev.grpo.ledger.sweep.Sweeps.PointRun;
import dev.grpo.ledger.sweep.Sweeps.Sweep;
import dev.grpo.web.ApiException;
import dev.grpo.web.InvalidRequestException;
import dev.grpo.web.RecordBinder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Hyperparameter sweeps: a grid over β, sampling temperature and learning rate (and the seed), one
 * run per grid point under one sweep id, and a comparison of their final metrics. Creating a sweep
 * is idempotent twice over: on the sweep's {@code Idempotency-Key}, and each point's run on {@code
 * sweep:<id>:<index>}, so a retried or half-finished create never makes a run twice.
 */
@Service
class SweepService {

  /** The final step metrics a sweep compares its runs by. */
  private static final List<String> STEP_METRICS =
      List.of("reward_mean", "reward_std", "kl", "entropy", "loss");

  /** A created (or replayed) sweep. */
  record Created(SweepView sweep, boolean replayed) {}

  /** One grid point's run and its final metrics. */
  record PointView(
      UUID runId,
      String name,
      Map<String, Object> point,
      String state,
      int currentStep,
      String error,
      Map<String, Object> finalMetrics) {}

  /**
   * A sweep and its runs.
   *
   * @param best the run with the highest final eval accuracy (final reward mean when no run has an
   *     eval); null until a run has either
   */
  record SweepView(
      UUID id, String name, JsonNode grid, List<PointView> runs, UUID best, String bestBy) {}

  private final RunService runs;
  private final RecordBinder binder;
  private final Sweeps sweeps;
  private final ObjectMapper mapper;
  private final RunSpecChecks checks;
  private final ObjectMapper canonical =
      JsonMapper.builder().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).build();

  SweepService(
      RunService runs,
      RecordBinder binder,
      Sweeps sweeps,
      ObjectMapper mapper,
      RunSpecChecks checks) {
    this.runs = runs;
    this.checks = checks;
    this.binder = binder;
    this.sweeps = sweeps;
    this.mapper = mapper;
  }

  private void checkFirstPoint(SweepGrid.Request request) {
    if (request.specs().isEmpty()) {
      return;
    }
    try {
      checks.check(request.specs().get(0));
    } catch (InvalidRequestException e) {
      throw new InvalidRequestException(
          e.problems().stream()
              .map(p -> new FieldProblem("base." + p.field(), p.message()))
              .toList());
    }
  }

  Created create(JsonNode body, String idempotencyKey) {
    // every point's spec is bound and validated before anything is written
    SweepGrid.Request request = SweepGrid.read(body, mapper.createObjectNode(), binder);
    // the points differ in hyperparameters, not in paths, rules or backend: the first speaks for
    // all
    checkFirstPoint(request);
    ObjectNode stored = mapper.createObjectNode();
    stored.set("base", request.base());
    stored.set("grid", request.grid());
    String hash = sha256(canonical.writeValueAsString(stored) + "|" + request.name());
    Optional<Sweep> earlier =
        idempotencyKey == null ? Optional.empty() : sweeps.findByIdempotencyKey(idempotencyKey);
    UUID id;
    if (earlier.isPresent()) {
      id = replay(earlier.get(), hash, idempotencyKey);
    } else {
      id = UUID.randomUUID();
      try {
        sweeps.insert(
            new Sweep(id, request.name(), mapper.writeValueAsString(stored), hash), idempotencyKey);
      } catch (DuplicateKeyException race) {
        return create(body, idempotencyKey);
      }
    }
    for (int i = 0; i < request.specs().size(); i++) {
      // finishes a create that an earlier, interrupted call started
      runs.create(request.specs().get(i), "sweep:" + id + ":" + i, id);
    }
    return new Created(get(id), earlier.isPresent());
  }

  private static UUID replay(Sweep earlier, String hash, String idempotencyKey) {
    if (!earlier.requestHash().equals(hash)) {
      throw new ApiException(
          HttpStatus.UNPROCESSABLE_CONTENT,
          "idempotency-key-reused",
          "Idempotency-Key '"
              + idempotencyKey
              + "' was used for sweep "
              + earlier.id()
              + " with a different body; use a new key for a new sweep");
    }
    return earlier.id();
  }

  SweepView get(UUID id) {
    Sweep sweep = sweeps.find(id).orElseThrow(() -> ApiException.notFound("sweep", id));
    JsonNode grid = mapper.readTree(sweep.spec()).get("grid");
    List<PointView> points = sweeps.points(id).stream().map(p -> pointView(p, grid)).toList();
    String by =
        points.stream().anyMatch(p -> p.finalMetrics().containsKey("eval_accuracy"))
            ? "eval_accuracy"
            : "reward_mean";
    UUID best = null;
    double bestValue = Double.NEGATIVE_INFINITY;
    for (PointView p : points) {
      Object v = p.finalMetrics().get(by);
      if (v instanceof Double d && d > bestValue) {
        bestValue = d;
        best = p.runId();
      }
    }
    return new SweepView(id, sweep.name(), grid, points, best, best == null ? null : by);
  }

  private PointView pointView(PointRun run, JsonNode grid) {
    JsonNode spec = mapper.readTree(run.spec());
    Map<String, Object> point = new LinkedHashMap<>();
    for (var axis : grid.properties()) {
      String[] path = SweepGrid.AXES.get(axis.getKey());
      JsonNode parent = path[0] == null ? spec : spec.get(path[0]);
      point.put(axis.getKey(), mapper.treeToValue(parent.get(path[1]), Object.class));
    }
    return new PointView(
        run.id(),
        run.name(),
        point,
        run.state().name(),
        run.currentStep(),
        run.error(),
        finalMetrics(run));
  }

  private Map<String, Object> finalMetrics(PointRun run) {
    Map<String, Object> fin = new LinkedHashMap<>();
    if (run.lastStepMetrics() != null) {
      JsonNode m = mapper.readTree(run.lastStepMetrics());
      for (String k : STEP_METRICS) {
        if (m.hasNonNull(k)) {
          fin.put(k, m.get(k).asDouble());
        }
      }
    }
    if (run.lastEvalMetrics() != null) {
      JsonNode e = mapper.readTree(run.lastEvalMetrics());
      if (e.hasNonNull("accuracy")) {
        fin.put("eval_accuracy", e.get("accuracy").asDouble());
      }
      if (e.hasNonNull("format_rate")) {
        fin.put("eval_format_rate", e.get("format_rate").asDouble());
      }
    }
    return fin;
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
