package dev.grpo.trainer.data;

import dev.grpo.api.run.RunSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A run's prompts in the ledger ({@code dataset_item}): written once when the run first starts
 * (idempotent on (run, item key), so a restarted trainer writes nothing twice), then read by split
 * and position. The train split is read as an endless stream: position {@code p} is item {@code p
 * mod size}, the data cursor of the training state is that position.
 */
@Component
public class Datasets {

  /**
   * One prompt.
   *
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
      String language) {}

  private final JdbcTemplate jdbc;
  private final ObjectMapper mapper;

  Datasets(JdbcTemplate jdbc, ObjectMapper mapper) {
    this.jdbc = jdbc;
    this.mapper = mapper;
  }

  /** The items a data spec describes, split into train and eval. */
  public static List<Item> itemsOf(RunSpec.Data data, long seed, ObjectMapper mapper) {
    List<Item> out = new ArrayList<>();
    switch (data.source()) {
      case GENERATOR -> {
        ArithmeticGenerator.Splits splits =
            ArithmeticGenerator.generate(data.generatorSize(), data.evalFraction(), seed);
        for (int i = 0; i < splits.train().size(); i++) {
          ArithmeticGenerator.Problem p = splits.train().get(i);
          out.add(
              new Item(
                  "train-%06d".formatted(i),
                  "train",
                  i,
                  p.prompt(),
                  p.answer(),
                  p.solution(),
                  null));
        }
        for (int i = 0; i < splits.eval().size(); i++) {
          ArithmeticGenerator.Problem p = splits.eval().get(i);
          out.add(
              new Item(
                  "eval-%06d".formatted(i), "eval", i, p.prompt(), p.answer(), p.solution(), null));
        }
      }
      case INLINE -> {
        List<Item> raw = new ArrayList<>();
        for (RunSpec.Item item : data.items()) {
          raw.add(
              new Item(item.id(), null, 0, item.prompt(), item.answer(), null, item.language()));
        }
        out.addAll(split(raw, data.evalFraction(), seed));
      }
      case JSONL ->
          out.addAll(split(readJsonl(Path.of(data.path()), mapper), data.evalFraction(), seed));
    }
    return out;
  }

  /** Writes the run's items unless they are there already; returns (train, eval) sizes. */
  public int[] materialize(UUID runId, List<Item> items) {
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
          ObjectNode reference = mapper.createObjectNode();
          if (item.answer() != null) {
            reference.put("answer", item.answer());
          }
          if (item.solution() != null) {
            reference.put("solution", item.solution());
          }
          ps.setObject(1, runId);
          ps.setString(2, item.key());
          ps.setString(3, item.split());
          ps.setInt(4, item.ordinal());
          ps.setString(5, item.prompt());
          ps.setString(6, mapper.writeValueAsString(reference));
          ps.setString(7, item.language());
        });
    return new int[] {count(runId, "train"), count(runId, "eval")};
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
              rs.getString("target_language"));
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

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.asString();
  }

  private static List<Item> split(List<Item> raw, double evalFraction, long seed) {
    int n = raw.size();
    int evalCount = (int) Math.round(n * evalFraction);
    if (evalFraction > 0 && evalCount == 0 && n > 1) {
      evalCount = 1;
    }
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    SplittableRandom random = new SplittableRandom(seed ^ 0x5B1175L);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    boolean[] eval = new boolean[n];
    for (int i = 0; i < evalCount; i++) {
      eval[order[i]] = true;
    }
    List<Item> out = new ArrayList<>(n);
    int trainOrdinal = 0;
    int evalOrdinal = 0;
    for (int i = 0; i < n; i++) {
      Item it = raw.get(i);
      String split = eval[i] ? "eval" : "train";
      int ordinal = eval[i] ? evalOrdinal++ : trainOrdinal++;
      out.add(
          new Item(
              it.key(), split, ordinal, it.prompt(), it.answer(), it.solution(), it.language()));
    }
    return out;
  }

  private static List<Item> readJsonl(Path path, ObjectMapper mapper) {
    List<Item> out = new ArrayList<>();
    try (BufferedReader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      String line;
      int lineNo = 0;
      while ((line = reader.readLine()) != null) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        JsonNode node = mapper.readTree(line);
        String prompt = text(node, "prompt");
        if (prompt == null || prompt.isBlank()) {
          throw new IllegalArgumentException(path + " line " + lineNo + " has no prompt");
        }
        String id = text(node, "id");
        out.add(
            new Item(
                id != null ? id : "line-" + lineNo,
                null,
                0,
                prompt,
                text(node, "answer"),
                text(node, "solution"),
                text(node, "language")));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path, e);
    }
    return out;
  }
}
