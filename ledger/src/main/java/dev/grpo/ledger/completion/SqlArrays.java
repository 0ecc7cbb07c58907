package dev.grpo.ledger.completion;

import java.sql.Array;
import java.sql.SQLException;

/** Conversions between PostgreSQL {@code integer[]}/{@code real[]} columns and Java arrays. */
public final class SqlArrays {

  private SqlArrays() {}

  public static Integer[] boxed(int[] values) {
    Integer[] out = new Integer[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return out;
  }

  public static Float[] boxed(float[] values) {
    Float[] out = new Float[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return out;
  }

  public static int[] ints(Array array) throws SQLException {
    Object[] values = (Object[]) array.getArray();
    int[] out = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = ((Number) values[i]).intValue();
    }
    return out;
  }

  public static float[] floats(Array array) throws SQLException {
    Object[] values = (Object[]) array.getArray();
    float[] out = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = ((Number) values[i]).floatValue();
    }
    return out;
  }
}
