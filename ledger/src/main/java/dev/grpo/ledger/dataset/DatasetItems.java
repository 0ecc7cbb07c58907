package dev.grpo.ledger.dataset;

import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A run's prompts ({@code dataset_item}): written once when the run first starts (idempotent on
 * (run, item key), so a restarted trainer writes nothing twice), then read by split and ordinal.
 */
@Component
public class DatasetItems {

  /** The train split's name. */
  public static final String TRAIN = "train";

  /** The held-out split's name. */
  public static final String EVAL = "eval";

  /**
   * One prompt.
   *
   * @param split {@link #TRAIN} or {@link #EVAL}
   * @param answer the gold answer ({@code reference.answer}); null when the item has none
   * @param solution a worked solution for a cold start; null when the source has none
   */
  public record Item(
      String key,
      String split,
      int ordinal,
      String prompt,
      String answer,
      String solution,
      String language,
      Object tests) {}

  private final JdbcTemplate jdbc;
  private final ObjectMapper mapper;

  DatasetItems(JdbcTemplate jdbc, ObjectMapper mapper) {
    this.jdbc = jdbc;
    this.mapper = mapper;
  }

  /** Writes the run's items unless they are there already. */
  public void materialize(UUID runId, List<Item> items) {
    jdbc.batchUpdate(
        """
        INSERT INTO dataset_item
            (run_id, item_key, split, ordinal, prompt, reference, target_language)
        VALUES (?, ?, ?, ?, ?, ?::jsonb, ?)
        ON CONFLICT (run_id, item_key) DO NOTHING
        """,
        items,
        1000,
        (ps, item) -> {
          ps.setObject(1, runId);
          ps.setString(2, item.key());
          ps.setString(3, item.split());
          ps.setInt(4, item.ordinal());
          ps.setString(5, item.prompt());
          ps.setString(6, mapper.writeValueAsString(reference(item)));
          ps.setString(7, item.language());
        });
  }

  /** Number of items of a split. */
  public int count(UUID runId, String split) {
    Integer n =
        jdbc.queryForObject(
            "SELECT count(*) FROM dataset_item WHERE run_id = ? AND split = ?",
            Integer.class,
            runId,
            split);
    return n == null ? 0 : n;
  }

  /** Items at ordinals {@code [from, from + count)} of a split, in ordinal order. */
  public List<Item> read(UUID runId, String split, int from, int count) {
    return jdbc.query(
        """
        SELECT item_key, split, ordinal, prompt, reference::text AS reference, target_language
        FROM dataset_item
        WHERE run_id = ? AND split = ? AND ordinal >= ? AND ordinal < ?
        ORDER BY ordinal
        """,
        (rs, i) -> {
          JsonNode reference = mapper.readTree(rs.getString("reference"));
          return new Item(
              rs.getString("item_key"),
              rs.getString("split"),
              rs.getInt("ordinal"),
              rs.getString("prompt"),
              text(reference, "answer"),
              text(reference, "solution"),
              rs.getString("target_language"),
              reference.has("tests")
                  ? mapper.treeToValue(reference.get("tests"), Object.class)
                  : null);
        },
        runId,
        split,
        from,
        from + count);
  }

  /** Every item of a split. */
  public List<Item> all(UUID runId, String split) {
    return read(runId, split, 0, Integer.MAX_VALUE / 2);
  }

  private ObjectNode reference(Item item) {
    ObjectNode reference = mapper.createObjectNode();
    if (item.answer() != null) {
      reference.put("answer", item.answer());
    }
    if (item.solution() != null) {
      reference.put("solution", item.solution());
    }
    if (item.tests() != null) {
      reference.set("tests", mapper.valueToTree(item.tests()));
    }
    return reference;
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asString();
  }
}
