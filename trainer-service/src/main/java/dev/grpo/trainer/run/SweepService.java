package dev.grpo.trainer.run;

import dev.grpo.api.problem.FieldProblem;
import dev.grpo.api.run.RunSpec;
import dev.grpo.web.ApiException;
import dev.grpo.web.InvalidRequestException;
import dev.grpo.web.RecordBinder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.JdbcTemplate;
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

  /** The grid axes and the spec field each one sets. */
  static final Map<String, String[]> AXES =
      Map.of(
          "beta", new String[] {"algorithm", "beta"},
          "temperature", new String[] {"rollout", "temperature"},
          "learningRate", new String[] {"optimizer", "learningRate"},
          "seed", new String[] {null, "seed"});

  static final int MAX_POINTS = 64;

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
  private final JdbcTemplate jdbc;
  private final ObjectMapper mapper;
  private final ObjectMapper canonical =
      JsonMapper.builder().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).build();

  SweepService(RunService runs, RecordBinder binder, JdbcTemplate jdbc, ObjectMapper mapper) {
    this.runs = runs;
    this.binder = binder;
    this.jdbc = jdbc;
    this.mapper = mapper;
  }

  Created create(JsonNode body, String idempotencyKey) {
    List<FieldProblem> problems = new ArrayList<>();
    JsonNode base = body.get("base");
    if (base == null || !base.isObject()) {
      base = mapper.createObjectNode();
    }
    JsonNode grid = body.get("grid");
    String name = body.hasNonNull("name") ? body.get("name").asString() : null;
    if (name != null && (name.isBlank() || name.length() > 150)) {
      problems.add(new FieldProblem("name", "must be 1 to 150 characters"));
    }
    List<Map<String, JsonNode>> points = new ArrayList<>();
    points.add(new LinkedHashMap<>());
    if (grid == null || !grid.isObject() || grid.isEmpty()) {
      problems.add(
          new FieldProblem(
              "grid",
              "must be an object with at least one of: " + String.join(", ", AXES.keySet())));
    } else {
      for (var e : grid.properties()) {
        String axis = e.getKey();
        JsonNode values = e.getValue();
        if (!AXES.containsKey(axis)) {
          problems.add(
              new FieldProblem(
                  "grid." + axis, "unknown axis; one of: " + String.join(", ", AXES.keySet())));
          continue;
        }
        if (!values.isArray() || values.isEmpty() || values.size() > 16) {
          problems.add(new FieldProblem("grid." + axis, "must be a list of 1 to 16 values"));
          continue;
        }
        for (int i = 0; i < values.size(); i++) {
          if (!values.get(i).isNumber()) {
            problems.add(new FieldProblem("grid." + axis + "[" + i + "]", "must be a number"));
          }
        }
        List<Map<String, JsonNode>> next = new ArrayList<>();
        for (Map<String, JsonNode> p : points) {
          for (JsonNode v : values) {
            Map<String, JsonNode> q = new LinkedHashMap<>(p);
            q.put(axis, v);
            next.add(q);
          }
        }
        points = next;
      }
      if (points.size() > MAX_POINTS) {
        problems.add(
            new FieldProblem(
                "grid", "has " + points.size() + " points; at most " + MAX_POINTS + " allowed"));
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidRequestException(problems);
    }
    // every point's spec is bound and validated before anything is written
    List<RunSpec> specs = new ArrayList<>();
    List<String> names = new ArrayList<>();
    String sweepName = name != null ? name : "sweep";
    for (Map<String, JsonNode> point : points) {
      ObjectNode spec = (ObjectNode) base.deepCopy();
      StringBuilder label = new StringBuilder(sweepName);
      for (var e : point.entrySet()) {
        String[] path = AXES.get(e.getKey());
        ObjectNode parent = path[0] == null ? spec : objectAt(spec, path[0]);
        parent.set(path[1], e.getValue());
        label
            .append(label.length() == sweepName.length() ? "/" : ",")
            .append(e.getKey())
            .append('=')
            .append(e.getValue().asString());
      }
      spec.put("name", label.toString());
      RunSpec bound;
      try {
        bound = binder.bind(spec, RunSpec.class);
      } catch (InvalidRequestException e) {
        throw new InvalidRequestException(prefixed(e.problems()));
      }
      List<FieldProblem> cross = bound.crossFieldProblems();
      if (!cross.isEmpty()) {
        throw new InvalidRequestException(prefixed(cross));
      }
      specs.add(bound);
      names.add(label.toString());
    }
    ObjectNode stored = mapper.createObjectNode();
    stored.set("base", base);
    stored.set("grid", grid);
    String hash = sha256(canonical.writeValueAsString(stored) + "|" + sweepName);
    UUID id = UUID.randomUUID();
    boolean replayed = false;
    if (idempotencyKey != null) {
      List<Map<String, Object>> earlier =
          jdbc.queryForList(
              "SELECT id, request_hash FROM sweep WHERE idempotency_key = ?", idempotencyKey);
      if (!earlier.isEmpty()) {
        if (!earlier.get(0).get("request_hash").equals(hash)) {
          throw new ApiException(
              HttpStatus.UNPROCESSABLE_CONTENT,
              "idempotency-key-reused",
              "Idempotency-Key '"
                  + idempotencyKey
                  + "' was used for sweep "
                  + earlier.get(0).get("id")
                  + " with a different body; use a new key for a new sweep");
        }
        id = (UUID) earlier.get(0).get("id");
        replayed = true;
      }
    }
    if (!replayed) {
      try {
        jdbc.update(
            "INSERT INTO sweep (id, name, spec, idempotency_key, request_hash)"
                + " VALUES (?, ?, ?::jsonb, ?, ?)",
            id,
            sweepName,
            mapper.writeValueAsString(stored),
            idempotencyKey,
            hash);
      } catch (DuplicateKeyException race) {
        return create(body, idempotencyKey);
      }
    }
    for (int i = 0; i < specs.size(); i++) {
      // finishes a create that an earlier, interrupted call started
      runs.create(specs.get(i), "sweep:" + id + ":" + i, id);
    }
    return new Created(get(id), replayed);
  }

  SweepView get(UUID id) {
    List<Map<String, Object>> rows =
        jdbc.queryForList("SELECT name, spec::text AS spec FROM sweep WHERE id = ?", id);
    if (rows.isEmpty()) {
      throw ApiException.notFound("sweep", id);
    }
    JsonNode stored = mapper.readTree((String) rows.get(0).get("spec"));
    JsonNode grid = stored.get("grid");
    List<PointView> points =
        jdbc.query(
            """
            SELECT r.id, r.name, r.spec::text AS spec, r.state, r.current_step, r.error,
                   (SELECT metrics::text FROM run_step s
                    WHERE s.run_id = r.id AND s.state = 'DONE'
                    ORDER BY s.step_no DESC LIMIT 1) AS last_step,
                   (SELECT metrics::text FROM run_eval e
                    WHERE e.run_id = r.id ORDER BY e.step_no DESC LIMIT 1) AS last_eval
            FROM run r WHERE r.sweep_id = ? ORDER BY r.idempotency_key
            """,
            (rs, i) -> {
              JsonNode spec = mapper.readTree(rs.getString("spec"));
              Map<String, Object> point = new LinkedHashMap<>();
              for (var axis : grid.properties()) {
                String[] path = AXES.get(axis.getKey());
                JsonNode parent = path[0] == null ? spec : spec.get(path[0]);
                point.put(axis.getKey(), mapper.treeToValue(parent.get(path[1]), Object.class));
              }
              Map<String, Object> fin = new LinkedHashMap<>();
              String lastStep = rs.getString("last_step");
              if (lastStep != null) {
                JsonNode m = mapper.readTree(lastStep);
                for (String k : List.of("reward_mean", "reward_std", "kl", "entropy", "loss")) {
                  if (m.hasNonNull(k)) {
                    fin.put(k, m.get(k).asDouble());
                  }
                }
              }
              String lastEval = rs.getString("last_eval");
              if (lastEval != null) {
                JsonNode e = mapper.readTree(lastEval);
                if (e.hasNonNull("accuracy")) {
                  fin.put("eval_accuracy", e.get("accuracy").asDouble());
                }
                if (e.hasNonNull("format_rate")) {
                  fin.put("eval_format_rate", e.get("format_rate").asDouble());
                }
              }
              return new PointView(
                  rs.getObject("id", UUID.class),
                  rs.getString("name"),
                  point,
                  rs.getString("state"),
                  rs.getInt("current_step"),
                  rs.getString("error"),
                  fin);
            },
            id);
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
    return new SweepView(
        id, (String) rows.get(0).get("name"), grid, points, best, best == null ? null : by);
  }

  private static ObjectNode objectAt(ObjectNode spec, String field) {
    JsonNode child = spec.get(field);
    if (child instanceof ObjectNode o) {
      return o;
    }
    return spec.putObject(field);
  }

  private static List<FieldProblem> prefixed(List<FieldProblem> problems) {
    return problems.stream().map(p -> new FieldProblem("base." + p.field(), p.message())).toList();
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
