package dev.grpo.trainer.pipeline;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** The stage × metric table of a pipeline, from each stage's metrics JSON. */
final class MetricTable {

  /** The columns, and where each is read in a stage's metrics. */
  static final List<String> COLUMNS =
      List.of(
          "accuracy",
          "format_rate",
          "pass@1",
          "pass@k",
          "cons@k",
          "reward_mean",
          "rows_kept",
          "rows_rejected",
          "sft_final_loss",
          "compute",
          "teacher_compute");

  private MetricTable() {}

  static PipelineView.MetricTable of(List<PipelineView.StageView> stages) {
    List<Map<String, Object>> rows =
        stages.stream()
            .map(
                s -> {
                  Map<String, Object> row = new LinkedHashMap<>();
                  row.put("stage", s.name());
                  row.put("kind", s.kind());
                  row.put("state", s.state().name());
                  for (String c : COLUMNS) {
                    row.put(c, value(s.metrics(), c));
                  }
                  return row;
                })
            .toList();
    return new PipelineView.MetricTable(COLUMNS, rows);
  }

  static Double value(JsonNode m, String column) {
    if (m == null) {
      return null;
    }
    JsonNode sampled = m.get("sampled");
    JsonNode rs = m.get("rejection_sampling");
    JsonNode v =
        switch (column) {
          case "pass@1" -> sampled == null ? null : sampled.get("pass@1");
          case "pass@k" ->
              sampled == null ? null : sampled.get("pass@" + sampled.path("k").asInt());
          case "cons@k" ->
              sampled == null ? null : sampled.get("cons@" + sampled.path("k").asInt());
          case "rows_kept" -> rs == null ? null : rs.get("kept");
          case "rows_rejected" -> rs == null ? null : rs.get("rejected_total");
          case "sft_final_loss" -> m.path("sft").get("final_loss");
          case "compute" -> m.path("compute").path("policy").get("token_passes");
          case "teacher_compute" -> m.path("compute").get("teacher_sampled_tokens");
          default -> m.get(column);
        };
    return v == null || !v.isNumber() ? null : v.asDouble();
  }
}
