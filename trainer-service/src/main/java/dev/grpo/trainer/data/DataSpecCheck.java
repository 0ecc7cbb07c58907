package dev.grpo.trainer.data;

import dev.grpo.api.problem.FieldProblem;
import dev.grpo.api.run.DataSource;
import dev.grpo.api.run.RunSpec;
import dev.grpo.dataset.DatasetException;
import dev.grpo.dataset.DatasetFiles;
import dev.grpo.dataset.DatasetFormat;
import dev.grpo.dataset.DatasetRecord;
import dev.grpo.policy.chat.ChatTemplate;
import dev.grpo.policy.chat.PromptTemplate;
import dev.grpo.policy.chat.TemplateRenderException;
import dev.grpo.policy.tokenizer.ModelTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a run's data spec asks of the files, checked before the run is created: the dataset file
 * reads in its format (the first row, with every mapped column present), and the chat template
 * renders that row's prompt. Each problem names the spec field; none quotes a file.
 */
public final class DataSpecCheck {

  private static final String PROBE_QUESTION = "What is 1 + 1?";

  private DataSpecCheck() {}

  /** The problems of {@code spec}'s data section; empty when the run can be created. */
  public static List<FieldProblem> problems(RunSpec spec) {
    List<FieldProblem> problems = new ArrayList<>();
    RunSpec.Data data = spec.data();
    String question = PROBE_QUESTION;
    if (data.source() == DataSource.FILE && data.path() != null && data.format() != null) {
      try {
        List<DatasetRecord> first =
            DatasetFiles.read(
                Path.of(data.path()), DatasetFormat.parse(data.format()), Datasets.fields(data), 1);
        question = first.get(0).prompt();
      } catch (DatasetException e) {
        problems.add(new FieldProblem(e.field(), e.getMessage()));
        return problems;
      }
    }
    if (!data.chatTemplate().equals("none")) {
      FieldProblem template = templateProblem(spec, question);
      if (template != null) {
        problems.add(template);
      }
    }
    return problems;
  }

  private static FieldProblem templateProblem(RunSpec spec, String question) {
    RunSpec.Data data = spec.data();
    try {
      PromptTemplate template =
          switch (data.chatTemplate()) {
            case "model" ->
                PromptTemplate.chat(
                    ChatTemplate.of("data.chatTemplate", modelTokenizer(spec)),
                    data.systemPrompt(),
                    data.thinkPrefilled());
            default -> PromptTemplate.r1(data.thinkPrefilled());
          };
      template.render(data.promptTemplate().replace("{prompt}", question));
      return null;
    } catch (TemplateRenderException e) {
      return new FieldProblem("data.chatTemplate", "the chat template fails: " + e.reason());
    } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
      return new FieldProblem(
          "model.path", "no usable tokenizer (tokenizer.json, tokenizer_config.json) there");
    }
  }

  private static ModelTokenizer modelTokenizer(RunSpec spec) {
    if (spec.model().path() == null) {
      throw new IllegalArgumentException("no model path");
    }
    return ModelTokenizer.load(Path.of(spec.model().path()));
  }
}
