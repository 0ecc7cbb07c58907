package dev.grpo.trainer.rm;

import dev.grpo.api.run.PreferenceFormat;
import dev.grpo.api.run.RewardModelTraining;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Reads preference pairs from JSONL in one of the {@link PreferenceFormat} layouts, through the
 * spec's field mapping. A row that gives no usable pair is not dropped silently: it is counted
 * under its {@link PreferenceRejection} reason, with the first few lines of each reason kept as
 * examples.
 */
public final class PreferenceFile {

  /** The HH-RLHF turn marker whose last occurrence ends the shared prompt. */
  static final String ASSISTANT_TURN = "\n\nAssistant:";

  private static final int EXAMPLES_PER_REASON = 5;

  /**
   * What a file gave.
   *
   * @param pairs the usable pairs, in file order
   * @param rejections how many rows were left out, per reason
   */
  public record Read(List<PreferencePair> pairs, Rejections rejections) {}

  private final ObjectMapper mapper;

  public PreferenceFile(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /** Reads at most {@code spec.limit()} lines of {@code file}; blank lines are skipped. */
  public Read read(Path file, RewardModelTraining spec) {
    List<PreferencePair> pairs = new ArrayList<>();
    Rejections rejections = new Rejections();
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int number = 0;
      while ((line = reader.readLine()) != null && number < spec.limit()) {
        number++;
        if (line.isBlank()) {
          continue;
        }
        Row row = parse(number, line, spec);
        if (row.pair() != null) {
          pairs.add(row.pair());
        } else {
          rejections.add(row.rejection(), number, row.why());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read preference file " + file, e);
    }
    return new Read(List.copyOf(pairs), rejections);
  }

  private record Row(PreferencePair pair, PreferenceRejection rejection, String why) {
    static Row ok(PreferencePair pair) {
      return new Row(pair, null, null);
    }

    static Row rejected(PreferenceRejection reason, String why) {
      return new Row(null, reason, why);
    }
  }

  private Row parse(int line, String text, RewardModelTraining spec) {
    JsonNode node;
    try {
      node = mapper.readTree(text);
    } catch (JacksonException e) {
      return Row.rejected(PreferenceRejection.MALFORMED, "not JSON");
    }
    if (node == null || !node.isObject()) {
      return Row.rejected(PreferenceRejection.MALFORMED, "not a JSON object");
    }
    JsonNode chosenNode = node.get(spec.chosenField());
    JsonNode rejectedNode = node.get(spec.rejectedField());
    if (absent(chosenNode) || absent(rejectedNode)) {
      String side = absent(chosenNode) ? spec.chosenField() : spec.rejectedField();
      return Row.rejected(PreferenceRejection.MISSING_SIDE, "no " + side);
    }
    Double margin = null;
    if (spec.marginField() != null) {
      JsonNode m = node.get(spec.marginField());
      if (m == null || !m.isNumber() || !Double.isFinite(m.asDouble())) {
        return Row.rejected(
            PreferenceRejection.MALFORMED, spec.marginField() + " must be a finite number");
      }
      margin = m.asDouble();
    }
    return switch (spec.format()) {
      case PAIRS -> pairs(line, node, chosenNode, rejectedNode, margin, spec);
      case HH -> hh(line, chosenNode, rejectedNode, margin);
      case ULTRAFEEDBACK -> ultraFeedback(line, node, chosenNode, rejectedNode, margin, spec);
    };
  }

  private static Row pairs(
      int line,
      JsonNode node,
      JsonNode chosen,
      JsonNode rejected,
      Double margin,
      RewardModelTraining spec) {
    JsonNode prompt = node.get(spec.promptField());
    if (prompt == null || !prompt.isString()) {
      return Row.rejected(PreferenceRejection.MALFORMED, spec.promptField() + " must be a string");
    }
    if (!chosen.isString() || !rejected.isString()) {
      return Row.rejected(
          PreferenceRejection.MALFORMED,
          spec.chosenField() + " and " + spec.rejectedField() + " must be strings");
    }
    return checked(
        new PreferencePair(
            line, prompt.asString(), chosen.asString(), rejected.asString(), margin));
  }

  /**
   * The prompt is the chosen transcript up to and including its last {@code "\n\nAssistant:"}; the
   * rejected transcript must begin with the same prompt.
   */
  private static Row hh(int line, JsonNode chosenNode, JsonNode rejectedNode, Double margin) {
    if (!chosenNode.isString() || !rejectedNode.isString()) {
      return Row.rejected(PreferenceRejection.MALFORMED, "HH transcripts must be strings");
    }
    String chosen = chosenNode.asString();
    String rejected = rejectedNode.asString();
    int turn = chosen.lastIndexOf(ASSISTANT_TURN);
    if (turn < 0) {
      return Row.rejected(
          PreferenceRejection.MALFORMED, "the chosen transcript has no \\n\\nAssistant: turn");
    }
    String prompt = chosen.substring(0, turn + ASSISTANT_TURN.length());
    if (!rejected.startsWith(prompt)) {
      return Row.rejected(
          PreferenceRejection.MALFORMED, "chosen and rejected transcripts do not share a prompt");
    }
    return checked(
        new PreferencePair(
            line,
            prompt,
            chosen.substring(prompt.length()),
            rejected.substring(prompt.length()),
            margin));
  }

  private static Row ultraFeedback(
      int line,
      JsonNode node,
      JsonNode chosen,
      JsonNode rejected,
      Double margin,
      RewardModelTraining spec) {
    JsonNode prompt = node.get(spec.promptField());
    if (prompt == null || !prompt.isString()) {
      return Row.rejected(PreferenceRejection.MALFORMED, spec.promptField() + " must be a string");
    }
    String chosenText = lastAssistant(chosen);
    String rejectedText = lastAssistant(rejected);
    if (chosenText == null || rejectedText == null) {
      String side = chosenText == null ? spec.chosenField() : spec.rejectedField();
      return Row.rejected(
          PreferenceRejection.MISSING_SIDE, side + " has no assistant message with content");
    }
    return checked(new PreferencePair(line, prompt.asString(), chosenText, rejectedText, margin));
  }

  /** The content of the last assistant message of a message list, or null. */
  private static String lastAssistant(JsonNode messages) {
    if (!messages.isArray()) {
      return null;
    }
    for (int i = messages.size() - 1; i >= 0; i--) {
      JsonNode m = messages.get(i);
      JsonNode role = m.get("role");
      JsonNode content = m.get("content");
      if (role != null && "assistant".equals(role.asString()) && content != null) {
        return content.isString() ? content.asString() : null;
      }
    }
    return null;
  }

  private static Row checked(PreferencePair pair) {
    if (pair.chosen().isBlank() || pair.rejected().isBlank()) {
      return Row.rejected(
          PreferenceRejection.MISSING_SIDE,
          (pair.chosen().isBlank() ? "chosen" : "rejected") + " response is blank");
    }
    if (pair.chosen().equals(pair.rejected())) {
      return Row.rejected(PreferenceRejection.IDENTICAL, "chosen and rejected are the same text");
    }
    return Row.ok(pair);
  }

  private static boolean absent(JsonNode node) {
    return node == null || node.isNull() || (node.isString() && node.asString().isBlank());
  }

  /** Rows left out, per reason, with the first few lines of each. */
  public static final class Rejections {
    private final Map<PreferenceRejection, Integer> counts =
        new EnumMap<>(PreferenceRejection.class);
    private final Map<PreferenceRejection, List<String>> examples =
        new EnumMap<>(PreferenceRejection.class);

    /** Counts one row. */
    public void add(PreferenceRejection reason, int line, String why) {
      counts.merge(reason, 1, Integer::sum);
      List<String> kept = examples.computeIfAbsent(reason, r -> new ArrayList<>());
      if (kept.size() < EXAMPLES_PER_REASON) {
        kept.add("line " + line + ": " + why);
      }
    }

    /** Count per reason, every reason present (0 when none). */
    public Map<PreferenceRejection, Integer> counts() {
      Map<PreferenceRejection, Integer> all = new EnumMap<>(PreferenceRejection.class);
      for (PreferenceRejection r : PreferenceRejection.values()) {
        all.put(r, counts.getOrDefault(r, 0));
      }
      return all;
    }

    /** The first lines of each reason that occurred. */
    public Map<PreferenceRejection, List<String>> examples() {
      Map<PreferenceRejection, List<String>> copy = new EnumMap<>(PreferenceRejection.class);
      examples.forEach((r, list) -> copy.put(r, List.copyOf(list)));
      return copy;
    }

    public int total() {
      return counts.values().stream().mapToInt(Integer::intValue).sum();
    }
  }
}
