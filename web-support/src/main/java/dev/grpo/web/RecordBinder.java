package dev.grpo.web;

import dev.grpo.api.problem.FieldProblem;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Binds a JSON body to a record and reports <em>every</em> invalid field at once: unknown fields,
 * values of the wrong type, and the bean-validation violations of all the other fields, each with
 * its path from the root ({@code algorithm.groupSize}, {@code rewards[1].rule}). Jackson alone
 * stops at the first type error, which makes a user fix a long spec one field per round trip.
 */
public class RecordBinder {

  private final ObjectMapper mapper;
  private final Validator validator;

  public RecordBinder(ObjectMapper mapper, Validator validator) {
    // 8.9 for an integer field is a mistake to report, not a value to truncate
    this.mapper = mapper.rebuild().disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT).build();
    this.validator = validator;
  }

  /** Binds and validates, or throws {@link InvalidRequestException} naming each bad field. */
  public <T extends Record> T bind(JsonNode body, Class<T> type) {
    if (body == null || !body.isObject()) {
      throw new InvalidRequestException(
          List.of(new FieldProblem("$", "the body must be a JSON object")));
    }
    List<FieldProblem> problems = new ArrayList<>();
    // Fields of the wrong shape are reported and cut from a copy of the body, so the rest can
    // still be bound and have its values checked: one round trip names every problem.
    JsonNode rest = body.deepCopy();
    dropControlCharacters(rest, "", problems);
    checkShape(rest, type, "", problems);
    boolean shapeProblems = !problems.isEmpty();
    T value;
    try {
      value = mapper.treeToValue(rest, type);
    } catch (RuntimeException e) {
      if (shapeProblems) {
        throw new InvalidRequestException(problems);
      }
      throw new InvalidRequestException(List.of(new FieldProblem("$", e.getMessage())));
    }
    for (ConstraintViolation<T> v : validator.validate(value)) {
      String path = path(v);
      if (problems.stream().noneMatch(p -> p.field().equals(path))) {
        problems.add(new FieldProblem(path, v.getMessage()));
      }
    }
    problems.sort(Comparator.comparing(FieldProblem::field));
    if (!problems.isEmpty()) {
      throw new InvalidRequestException(problems);
    }
    return value;
  }

  /**
   * Reports (and cuts) every string, or object key, holding a control character other than tab,
   * line feed and carriage return: a NUL in a run name breaks PostgreSQL text columns and logs, and
   * no field of any request means one. Returns whether {@code node} itself is such a string.
   */
  private static boolean dropControlCharacters(
      JsonNode node, String path, List<FieldProblem> problems) {
    if (node.isString()) {
      int bad = firstControlCharacter(node.asString());
      if (bad >= 0) {
        problems.add(
            new FieldProblem(
                root(path), String.format("must not contain control characters (U+%04X)", bad)));
        return true;
      }
      return false;
    }
    if (node.isObject()) {
      List<String> wrong = new ArrayList<>();
      for (String name : node.propertyNames()) {
        String childPath = path.isEmpty() ? name : path + "." + name;
        int bad = firstControlCharacter(name);
        if (bad >= 0) {
          problems.add(
              new FieldProblem(
                  root(path),
                  String.format("a key must not contain control characters (U+%04X)", bad)));
          wrong.add(name);
        } else if (dropControlCharacters(node.get(name), childPath, problems)) {
          wrong.add(name);
        }
      }
      wrong.forEach(((ObjectNode) node)::remove);
      return false;
    }
    boolean badElement = false;
    if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        badElement |= dropControlCharacters(node.get(i), path + "[" + i + "]", problems);
      }
    }
    // like a malformed element, a bad one drops its list whole so indexes keep their meaning
    return badElement;
  }

  /** The first C0 control (but tab, LF, CR) or DEL in {@code s}, or -1. */
  static int firstControlCharacter(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
        return c;
      }
    }
    return -1;
  }

  /** Returns whether {@code node} itself has the wrong shape (its parent then drops it). */
  private boolean checkShape(JsonNode node, Type type, String path, List<FieldProblem> problems) {
    if (node == null || node.isNull()) {
      return false;
    }
    Class<?> raw = rawClass(type);
    if (raw.isRecord()) {
      if (!node.isObject()) {
        problems.add(new FieldProblem(root(path), "must be an object"));
        return true;
      }
      Map<String, RecordComponent> components =
          Arrays.stream(raw.getRecordComponents())
              .collect(Collectors.toMap(RecordComponent::getName, c -> c));
      List<String> wrong = new ArrayList<>();
      for (String name : node.propertyNames()) {
        RecordComponent c = components.get(name);
        String childPath = path.isEmpty() ? name : path + "." + name;
        if (c == null) {
          problems.add(
              new FieldProblem(
                  childPath, "unknown field; known fields: " + sorted(components.keySet())));
          wrong.add(name);
        } else if (checkShape(node.get(name), c.getGenericType(), childPath, problems)) {
          wrong.add(name);
        }
      }
      wrong.forEach(((ObjectNode) node)::remove);
      return false;
    }
    if (List.class.isAssignableFrom(raw) && type instanceof ParameterizedType p) {
      if (!node.isArray()) {
        problems.add(new FieldProblem(root(path), "must be an array"));
        return true;
      }
      Type element = p.getActualTypeArguments()[0];
      boolean badElement = false;
      for (int i = 0; i < node.size(); i++) {
        badElement |= checkShape(node.get(i), element, path + "[" + i + "]", problems);
      }
      // a list with a malformed element is dropped whole: indexes must keep naming what the
      // client sent
      return badElement;
    }
    try {
      mapper.treeToValue(node, mapper.getTypeFactory().constructType(type));
      return false;
    } catch (RuntimeException e) {
      problems.add(new FieldProblem(root(path), expected(raw)));
      return true;
    }
  }

  private static String expected(Class<?> raw) {
    if (raw.isEnum()) {
      return "must be one of: "
          + Arrays.stream(raw.getEnumConstants())
              .map(c -> ((Enum<?>) c).name().toLowerCase())
              .collect(Collectors.joining(", "));
    }
    if (raw == Integer.class || raw == Long.class) {
      return "must be an integer";
    }
    if (Number.class.isAssignableFrom(raw)) {
      return "must be a number";
    }
    if (raw == Boolean.class) {
      return "must be true or false";
    }
    if (raw == String.class) {
      return "must be a string";
    }
    if (Map.class.isAssignableFrom(raw)) {
      return "must be an object";
    }
    return "has the wrong type";
  }

  private static Class<?> rawClass(Type type) {
    if (type instanceof Class<?> c) {
      return c;
    }
    if (type instanceof ParameterizedType p) {
      return (Class<?>) p.getRawType();
    }
    return Object.class;
  }

  private static String path(ConstraintViolation<?> v) {
    // Hibernate Validator writes list elements as "rewards[1].<list element>"; keep the index only
    return v.getPropertyPath().toString().replace(".<list element>", "");
  }

  private static String root(String path) {
    return path.isEmpty() ? "$" : path;
  }

  private static String sorted(Set<String> names) {
    return names.stream().sorted().collect(Collectors.joining(", "));
  }
}
