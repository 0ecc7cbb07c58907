package dev.grpo.reward.rule;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parameters a rule accepts. {@link #parse} turns a user's loosely typed map (as decoded from
 * JSON) into checked values, rejecting unknown keys and wrong types with an {@link
 * InvalidParamException} that names the parameter. Range checks specific to a rule belong in that
 * rule's params record.
 */
public final class ParamSchema {

  private final Map<String, ParamSpec> specs = new LinkedHashMap<>();

  private ParamSchema(List<ParamSpec> specs) {
    for (ParamSpec spec : specs) {
      if (this.specs.put(spec.name(), spec) != null) {
        throw new IllegalArgumentException("duplicate parameter " + spec.name());
      }
      if (spec.defaultValue() != null) {
        // Fail at class-load time, not on a user's request, if a default does not fit its type.
        checkType(spec, spec.defaultValue());
      }
    }
  }

  public static ParamSchema of(ParamSpec... specs) {
    return new ParamSchema(List.of(specs));
  }

  public List<ParamSpec> specs() {
    return List.copyOf(specs.values());
  }

  /**
   * Checks the user's params and fills in defaults. A null map means "all defaults". An explicit
   * JSON null is only accepted for parameters whose default is null.
   */
  public Values parse(Map<String, ?> raw) {
    Map<String, Object> values = new HashMap<>();
    for (ParamSpec spec : specs.values()) {
      values.put(spec.name(), spec.defaultValue());
    }
    if (raw != null) {
      for (Map.Entry<String, ?> entry : raw.entrySet()) {
        ParamSpec spec = specs.get(entry.getKey());
        if (spec == null) {
          throw new InvalidParamException(
              String.valueOf(entry.getKey()), "unknown parameter; known: " + specs.keySet());
        }
        Object value = entry.getValue();
        if (value == null) {
          if (spec.defaultValue() != null) {
            throw new InvalidParamException(
                spec.name(), "must be " + spec.type().description() + ", got null");
          }
          values.put(spec.name(), null);
        } else {
          values.put(spec.name(), checkType(spec, value));
        }
      }
    }
    return new Values(values);
  }

  private static Object checkType(ParamSpec spec, Object value) {
    Object converted =
        switch (spec.type()) {
          case BOOLEAN -> value instanceof Boolean ? value : null;
          case INTEGER -> toInteger(value);
          case NUMBER -> toFiniteDouble(value);
          case STRING -> value instanceof String ? value : null;
          case STRING_LIST -> toStringList(value);
        };
    if (converted == null) {
      throw new InvalidParamException(
          spec.name(),
          "must be "
              + spec.type().description()
              + ", got "
              + value.getClass().getSimpleName()
              + " "
              + value);
    }
    if (!spec.choices().isEmpty()) {
      List<?> given = converted instanceof List<?> list ? list : List.of(converted);
      for (Object item : given) {
        if (!spec.choices().contains(item)) {
          throw new InvalidParamException(
              spec.name(), "'" + item + "' is not one of " + spec.choices());
        }
      }
    }
    return converted;
  }

  private static Integer toInteger(Object value) {
    if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).intValue();
    }
    if (value instanceof Long || value instanceof BigInteger) {
      BigInteger big = new BigInteger(value.toString());
      return big.bitLength() < 32 ? big.intValue() : null;
    }
    // JSON decoders may hand 3.0 as a Double; accept it only when it is integral.
    if (value instanceof Double || value instanceof Float || value instanceof BigDecimal) {
      try {
        return new BigDecimal(value.toString()).intValueExact();
      } catch (ArithmeticException | NumberFormatException notIntegral) {
        return null;
      }
    }
    return null;
  }

  private static Double toFiniteDouble(Object value) {
    if (value instanceof Number number) {
      double asDouble = number.doubleValue();
      return Double.isFinite(asDouble) ? asDouble : null;
    }
    return null;
  }

  private static List<String> toStringList(Object value) {
    if (!(value instanceof Collection<?> collection)) {
      return null;
    }
    List<String> strings = new ArrayList<>(collection.size());
    for (Object item : collection) {
      if (!(item instanceof String string)) {
        return null;
      }
      strings.add(string);
    }
    return List.copyOf(strings);
  }

  /** Checked parameter values; getters return null only for parameters without a default. */
  public static final class Values {

    private final Map<String, Object> values;

    private Values(Map<String, Object> values) {
      this.values = values;
    }

    public boolean getBoolean(String name) {
      return (Boolean) require(name);
    }

    public Integer getInteger(String name) {
      return (Integer) get(name);
    }

    /**
     * An integer parameter that must lie in {@code [min, max]}; the one place rules check ranges.
     *
     * @throws InvalidParamException naming the parameter when it is outside the range
     */
    public int getInteger(String name, int min, int max) {
      int n = (Integer) require(name);
      if (n < min || n > max) {
        throw new InvalidParamException(
            name,
            max == Integer.MAX_VALUE
                ? "must be at least " + min + ", got " + n
                : "must be from " + min + " to " + max + ", got " + n);
      }
      return n;
    }

    public double getDouble(String name) {
      return (Double) require(name);
    }

    public String getString(String name) {
      return (String) get(name);
    }

    @SuppressWarnings("unchecked")
    public List<String> getStringList(String name) {
      return (List<String>) require(name);
    }

    private Object get(String name) {
      if (!values.containsKey(name)) {
        throw new IllegalStateException("parameter " + name + " is not in the schema");
      }
      return values.get(name);
    }

    private Object require(String name) {
      Object value = get(name);
      if (value == null) {
        throw new IllegalStateException("parameter " + name + " has no value");
      }
      return value;
    }
  }
}
