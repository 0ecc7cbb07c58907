package dev.grpo.trainer.run;

import dev.grpo.api.problem.FieldProblem;
import dev.grpo.api.run.RunSpec;
import dev.grpo.web.InvalidRequestException;
import dev.grpo.web.RecordBinder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A sweep request read at the edge: a base spec, a grid over β, sampling temperature, learning rate
 * and seed, expanded into one bound and validated run spec per grid point (the cartesian product,
 * in the grid's axis order), each named {@code <sweep>/<axis>=<value>,...}.
 */
final class SweepGrid {

  /** The grid axes and the spec field each one sets. */
  static final Map<String, String[]> AXES =
      Map.of(
          "beta", new String[] {"algorithm", "beta"},
          "temperature", new String[] {"rollout", "temperature"},
          "learningRate", new String[] {"optimizer", "learningRate"},
          "seed", new String[] {null, "seed"});

  static final int MAX_POINTS = 64;
  static final int MAX_VALUES = 16;

  /**
   * A validated sweep request.
   *
   * @param name the sweep's name ({@code sweep} when the request has none)
   * @param specs one bound spec per grid point, in point order
   */
  record Request(String name, JsonNode base, JsonNode grid, List<RunSpec> specs) {}

  private SweepGrid() {}

  /** Reads a sweep request; every problem is reported at once, before anything is written. */
  static Request read(JsonNode body, ObjectNode emptyBase, RecordBinder binder) {
    List<FieldProblem> problems = new ArrayList<>();
    JsonNode base = body.get("base");
    if (base == null || !base.isObject()) {
      base = emptyBase;
    }
    String name = body.hasNonNull("name") ? body.get("name").asString() : null;
    if (name != null && (name.isBlank() || name.length() > 150)) {
      problems.add(new FieldProblem("name", "must be 1 to 150 characters"));
    }
    JsonNode grid = body.get("grid");
    List<Map<String, JsonNode>> points = points(grid, problems);
    if (!problems.isEmpty()) {
      throw new InvalidRequestException(problems);
    }
    String sweepName = name != null ? name : "sweep";
    List<RunSpec> specs = new ArrayList<>(points.size());
    for (Map<String, JsonNode> point : points) {
      specs.add(bind((ObjectNode) base, sweepName, point, binder));
    }
    return new Request(sweepName, base, grid, specs);
  }

  /** The grid's points (the cartesian product of its axes); problems go to {@code problems}. */
  static List<Map<String, JsonNode>> points(JsonNode grid, List<FieldProblem> problems) {
    List<Map<String, JsonNode>> points = new ArrayList<>();
    points.add(new LinkedHashMap<>());
    if (grid == null || !grid.isObject() || grid.isEmpty()) {
      problems.add(
          new FieldProblem(
              "grid",
              "must be an object with at least one of: " + String.join(", ", AXES.keySet())));
      return points;
    }
    for (var e : grid.properties()) {
      if (axisProblems(e.getKey(), e.getValue(), problems)) {
        continue;
      }
      List<Map<String, JsonNode>> next = new ArrayList<>();
      for (Map<String, JsonNode> p : points) {
        for (JsonNode v : e.getValue()) {
          Map<String, JsonNode> q = new LinkedHashMap<>(p);
          q.put(e.getKey(), v);
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
    return points;
  }

  /** Reports what is wrong with one axis; true when it cannot be expanded at all. */
  private static boolean axisProblems(String axis, JsonNode values, List<FieldProblem> problems) {
    if (!AXES.containsKey(axis)) {
      problems.add(
          new FieldProblem(
              "grid." + axis, "unknown axis; one of: " + String.join(", ", AXES.keySet())));
      return true;
    }
    if (!values.isArray() || values.isEmpty() || values.size() > MAX_VALUES) {
      problems.add(
          new FieldProblem("grid." + axis, "must be a list of 1 to " + MAX_VALUES + " values"));
      return true;
    }
    for (int i = 0; i < values.size(); i++) {
      if (!values.get(i).isNumber()) {
        problems.add(new FieldProblem("grid." + axis + "[" + i + "]", "must be a number"));
      }
    }
    return false;
  }

  /** The base spec with one point's values set, named after them, bound and validated. */
  private static RunSpec bind(
      ObjectNode base, String sweepName, Map<String, JsonNode> point, RecordBinder binder) {
    ObjectNode spec = base.deepCopy();
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
    return bound;
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
}
