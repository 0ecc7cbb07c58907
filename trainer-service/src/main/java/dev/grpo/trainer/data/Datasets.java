package dev.grpo.trainer.data;

import dev.grpo.api.run.RunSpec;
import dev.grpo.dataset.DatasetFiles;
import dev.grpo.dataset.DatasetFormat;
import dev.grpo.dataset.DatasetRecord;
import dev.grpo.dataset.FieldMapping;
import dev.grpo.ledger.dataset.DatasetItems;
import dev.grpo.ledger.dataset.DatasetItems.Item;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The prompts a run's data spec describes (the arithmetic generator, inline items, a JSONL file),
 * split into train and eval with the run's seed. The ledger stores them ({@link DatasetItems}); the
 * train split is then read as an endless stream: position {@code p} is item {@code p mod size}, the
 * data cursor of the training state is that position.
 */
public final class Datasets {

  private Datasets() {}

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
                  DatasetItems.TRAIN,
                  i,
                  p.prompt(),
                  p.answer(),
                  p.solution(),
                  null,
                  null));
        }
        for (int i = 0; i < splits.eval().size(); i++) {
          ArithmeticGenerator.Problem p = splits.eval().get(i);
          out.add(
              new Item(
                  "eval-%06d".formatted(i),
                  DatasetItems.EVAL,
                  i,
                  p.prompt(),
                  p.answer(),
                  p.solution(),
                  null,
                  null));
        }
      }
      case INLINE -> {
        List<Item> raw = new ArrayList<>();
        for (RunSpec.Item item : data.items()) {
          raw.add(
              new Item(
                  item.id(), null, 0, item.prompt(), item.answer(), null, item.language(), null));
        }
        out.addAll(split(raw, data.evalFraction(), seed));
      }
      case JSONL ->
          out.addAll(split(readJsonl(Path.of(data.path()), mapper), data.evalFraction(), seed));
      case FILE -> out.addAll(split(readFile(data), data.evalFraction(), seed));
    }
    return out;
  }

  /** A dataset file in one of the known formats; code tasks carry their assert tests. */
  static List<Item> readFile(RunSpec.Data data) {
    List<DatasetRecord> records =
        DatasetFiles.read(
            Path.of(data.path()), DatasetFormat.parse(data.format()), fields(data), data.limit());
    List<Item> out = new ArrayList<>(records.size());
    for (DatasetRecord r : records) {
      out.add(new Item(r.id(), null, 0, r.prompt(), r.answer(), r.solution(), null, tests(r)));
    }
    return out;
  }

  /** The spec's column mapping, or the default names. */
  public static FieldMapping fields(RunSpec.Data data) {
    RunSpec.Fields f = data.fields();
    return f == null
        ? FieldMapping.DEFAULT
        : new FieldMapping(f.id(), f.prompt(), f.answer(), f.solution(), f.tests());
  }

  /** The {@code reference.tests} the code_execution rule reads, or null for a math item. */
  private static Object tests(DatasetRecord r) {
    if (r.tests().isEmpty()) {
      return null;
    }
    return r.testLanguage() == null
        ? r.tests()
        : Map.of("language", r.testLanguage(), "cases", r.tests());
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
      String split = eval[i] ? DatasetItems.EVAL : DatasetItems.TRAIN;
      int ordinal = eval[i] ? evalOrdinal++ : trainOrdinal++;
      out.add(
          new Item(
              it.key(),
              split,
              ordinal,
              it.prompt(),
              it.answer(),
              it.solution(),
              it.language(),
              it.tests()));
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
                text(node, "language"),
                null));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path, e);
    }
    return out;
  }
}
