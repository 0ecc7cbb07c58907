package dev.grpo.trainer.pipeline;

import dev.grpo.api.problem.FieldProblem;
import dev.grpo.api.run.RunSpec;
import dev.grpo.ledger.dataset.DatasetItems.Item;
import dev.grpo.ledger.dataset.LedgerDatasets;
import dev.grpo.trainer.data.Datasets;
import dev.grpo.trainer.run.RunSpecChecks;
import dev.grpo.web.ApiException;
import dev.grpo.web.InvalidRequestException;
import dev.grpo.web.RecordBinder;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /api/v1/datasets}: datasets as ledger artifacts. Import from a file ({@code data}, the
 * same sources and formats as a run spec's; the worked {@code solution} of each item becomes the
 * completion) or from rows in the body; list; show; export as JSONL, streamed.
 */
@RestController
@RequestMapping("/api/v1/datasets")
@Tag(name = "datasets", description = "Datasets as ledger artifacts, with per-row provenance")
class DatasetController {

  /** An import: either {@code data} (as in a run spec) or {@code rows}. */
  record ImportRequest(
      @NotBlank @Size(max = 200) String name,
      Map<String, Object> data,
      @Size(max = 100_000) List<@NotNull @Valid UploadedRow> rows) {}

  /** A dataset as the API shows it; {@code stats} what made it (kept/rejected counts by reason). */
  record DatasetView(
      UUID id,
      String name,
      String source,
      UUID run,
      long rows,
      JsonNode stats,
      java.time.Instant createdAt) {}

  private DatasetView view(LedgerDatasets.Dataset d) {
    return new DatasetView(
        d.id(),
        d.name(),
        d.source(),
        d.runId(),
        d.rows(),
        mapper.readTree(d.stats()),
        d.createdAt());
  }

  /** One uploaded row. */
  record UploadedRow(
      @NotBlank @Size(max = 200_000) String prompt,
      @NotNull @Size(max = 200_000) String completion,
      @Size(max = 10_000) String answer) {}

  private final LedgerDatasets datasets;
  private final RecordBinder binder;
  private final RunSpecChecks checks;
  private final ObjectMapper mapper;

  DatasetController(
      LedgerDatasets datasets, RecordBinder binder, RunSpecChecks checks, ObjectMapper mapper) {
    this.datasets = datasets;
    this.binder = binder;
    this.checks = checks;
    this.mapper = mapper;
  }

  @PostMapping
  @Operation(
      summary = "Import a dataset from a file or generator (as in a run spec) or from rows",
      description = "With data, each item's worked solution becomes the completion.")
  ResponseEntity<DatasetView> create(
      @io.swagger.v3.oas.annotations.parameters.RequestBody(
              content = @Content(schema = @Schema(implementation = ImportRequest.class)))
          @RequestBody
          JsonNode body,
      @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey) {
    ImportRequest request = binder.bind(body, ImportRequest.class);
    if ((request.data() == null) == (request.rows() == null)) {
      throw new InvalidRequestException(
          List.of(new FieldProblem("data", "give either data (a file or generator) or rows")));
    }
    List<LedgerDatasets.Row> rows =
        request.rows() != null ? uploaded(request.rows()) : fromData(request.data());
    UUID id = datasets.imported(request.name(), idempotencyKey, rows);
    return ResponseEntity.created(URI.create("/api/v1/datasets/" + id))
        .body(view(datasets.find(id).orElseThrow()));
  }

  private List<LedgerDatasets.Row> uploaded(List<UploadedRow> rows) {
    List<LedgerDatasets.Row> out = new ArrayList<>(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      UploadedRow r = rows.get(i);
      out.add(
          new LedgerDatasets.Row(
              "row-" + i, i, r.prompt(), r.completion(), r.answer(), "{\"source\":\"upload\"}"));
    }
    return out;
  }

  private List<LedgerDatasets.Row> fromData(Map<String, Object> data) {
    ObjectNode specBody = mapper.createObjectNode();
    specBody.set("data", mapper.valueToTree(data));
    RunSpec spec;
    try {
      spec = binder.bind(specBody, RunSpec.class);
      checks.check(spec);
    } catch (InvalidRequestException e) {
      throw new InvalidRequestException(
          e.problems().stream().filter(p -> p.field().startsWith("data")).toList().isEmpty()
              ? e.problems()
              : e.problems().stream().filter(p -> p.field().startsWith("data")).toList());
    }
    List<Item> items = Datasets.itemsOf(spec.data(), spec.seed(), mapper);
    List<LedgerDatasets.Row> out = new ArrayList<>(items.size());
    for (Item item : items) {
      if (item.solution() == null) {
        throw new InvalidRequestException(
            List.of(
                new FieldProblem(
                    "data", "item " + item.key() + " has no solution to use as the completion")));
      }
      ObjectNode provenance = mapper.createObjectNode();
      provenance.put("source", "import");
      provenance.put("item", item.key());
      provenance.put("split", item.split());
      out.add(
          new LedgerDatasets.Row(
              item.key(),
              out.size(),
              item.prompt(),
              item.solution(),
              item.answer(),
              provenance.toString()));
    }
    return out;
  }

  @GetMapping
  List<DatasetView> list() {
    return datasets.list(100).stream().map(this::view).toList();
  }

  @GetMapping("/{id}")
  DatasetView get(@PathVariable UUID id) {
    return view(datasets.find(id).orElseThrow(() -> ApiException.notFound("dataset", id)));
  }

  /** One JSON object a line: key, prompt, completion, answer, provenance; streamed. */
  @GetMapping(value = "/{id}/export", produces = "application/x-ndjson")
  @Operation(summary = "Export the rows as JSONL, streamed, with their provenance")
  ResponseEntity<StreamingResponseBody> export(@PathVariable UUID id) {
    datasets.find(id).orElseThrow(() -> ApiException.notFound("dataset", id));
    StreamingResponseBody body =
        out -> {
          BufferedWriter writer =
              new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
          datasets.forEachRow(
              id,
              row -> {
                ObjectNode line = mapper.createObjectNode();
                line.put("key", row.key());
                line.put("prompt", row.prompt());
                line.put("completion", row.completion());
                line.put("answer", row.answer());
                line.set("provenance", mapper.readTree(row.provenance()));
                try {
                  writer.write(line.toString());
                  writer.write('\n');
                } catch (java.io.IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
          writer.flush();
        };
    return ResponseEntity.ok()
        .contentType(MediaType.parseMediaType("application/x-ndjson"))
        .body(body);
  }
}
