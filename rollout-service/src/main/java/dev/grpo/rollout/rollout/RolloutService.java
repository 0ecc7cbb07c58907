package dev.grpo.rollout.rollout;

import dev.grpo.api.rollout.RolloutRequest;
import dev.grpo.api.rollout.RolloutRequest.Prompt;
import dev.grpo.api.rollout.RolloutResponse;
import dev.grpo.api.rollout.RolloutResponse.PromptSamples;
import dev.grpo.api.rollout.RolloutResponse.Sample;
import dev.grpo.ledger.completion.CompletionSamples;
import dev.grpo.ledger.completion.CompletionWriter;
import dev.grpo.ledger.completion.CompletionWriter.NewCompletion;
import dev.grpo.ledger.completion.CompletionWriter.StoredCompletion;
import dev.grpo.ledger.run.RunRepository;
import dev.grpo.rollout.backend.BackendException;
import dev.grpo.rollout.backend.BackendProblems;
import dev.grpo.rollout.backend.BackendRegistry;
import dev.grpo.rollout.backend.GeneratedSample;
import dev.grpo.rollout.backend.GenerationBatch;
import dev.grpo.rollout.backend.GenerationBatch.PromptInput;
import dev.grpo.rollout.backend.InferenceBackend;
import dev.grpo.rollout.backend.InferenceBackend.Generation;
import dev.grpo.web.ApiException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Service;

/**
 * Samples a rollout through a backend and stores it in the ledger, idempotently on (run, step,
 * item, sample index). Items whose {@code n} samples the ledger already holds are not sent to the
 * backend again; what a call returns is always what the ledger holds, so a retried or concurrent
 * call sees the samples of the first write.
 *
 * <p>Meters: {@code rollout.tokens{backend}} counts generated tokens (tokens/s is {@code
 * rate(rollout_tokens_total[1m])} in PromQL), {@code rollout.request.duration{backend,outcome}}
 * times each backend batch, {@code rollout.completions{backend,finish_reason}} counts samples
 * ({@code length} = truncated at max tokens).
 */
@Service
class RolloutService {

  private final BackendRegistry backends;
  private final RunRepository runs;
  private final CompletionSamples ledger;
  private final CompletionWriter writer;
  private final MeterRegistry meters;

  RolloutService(
      BackendRegistry backends,
      RunRepository runs,
      CompletionSamples ledger,
      CompletionWriter writer,
      MeterRegistry meters) {
    this.backends = backends;
    this.runs = runs;
    this.ledger = ledger;
    this.writer = writer;
    this.meters = meters;
  }

  RolloutResponse rollout(RolloutRequest request) {
    InferenceBackend backend = BackendProblems.require(backends, request.backend());
    if (!runs.existsById(request.runId())) {
      throw ApiException.notFound("run", request.runId());
    }
    int n = request.n();
    List<String> itemIds = request.prompts().stream().map(Prompt::itemId).toList();
    Map<String, Sample[]> held = new HashMap<>();
    ledger
        .read(request.runId(), request.step(), itemIds, n)
        .forEach((item, stored) -> held.put(item, samples(stored)));
    List<Prompt> missing =
        request.prompts().stream()
            .filter(p -> Arrays.stream(held.get(p.itemId())).anyMatch(s -> s == null))
            .toList();
    int generated = 0;
    if (!missing.isEmpty()) {
      generated = generate(request, backend, missing, held);
    }
    List<PromptSamples> results = new ArrayList<>(request.prompts().size());
    for (Prompt p : request.prompts()) {
      results.add(new PromptSamples(p.itemId(), List.of(held.get(p.itemId()))));
    }
    return new RolloutResponse(
        request.runId(), request.step(), backend.name(), generated, List.copyOf(results));
  }

  private int generate(
      RolloutRequest request,
      InferenceBackend backend,
      List<Prompt> missing,
      Map<String, Sample[]> held) {
    requireServedVersion(request, backend);
    Generation generation = sample(backend, batchOf(request, missing));
    List<NewCompletion> rows = completionRows(request, backend, missing, generation);
    for (StoredCompletion c : writer.writeAll(rows)) {
      held.get(c.itemKey())[c.sampleIndex()] = sample(c);
    }
    return rows.size();
  }

  private static Sample[] samples(StoredCompletion[] stored) {
    Sample[] samples = new Sample[stored.length];
    for (int i = 0; i < stored.length; i++) {
      samples[i] = stored[i] == null ? null : sample(stored[i]);
    }
    return samples;
  }

  private static Sample sample(StoredCompletion c) {
    return new Sample(
        c.sampleIndex(),
        c.text(),
        c.tokenIds(),
        c.logprobs(),
        c.finishReason(),
        c.policyVersion(),
        c.backend(),
        c.id());
  }

  private void requireServedVersion(RolloutRequest request, InferenceBackend backend) {
    long servedVersion = backend.policyVersion(request.runId());
    if (request.policyVersion() > servedVersion) {
      throw ApiException.conflict(
          "policy-version-ahead",
          ("backend %s serves policy version %d but the rollout asks for %d; "
                  + "sync the weights first (POST /api/v1/policies/sync)")
              .formatted(backend.name(), servedVersion, request.policyVersion()));
    }
  }

  private static GenerationBatch batchOf(RolloutRequest request, List<Prompt> missing) {
    List<PromptInput> inputs =
        missing.stream()
            .map(
                p ->
                    new PromptInput(
                        p.itemId(),
                        p.text(),
                        p.tokenIds() == null || p.tokenIds().isEmpty()
                            ? null
                            : p.tokenIds().stream().mapToInt(Integer::intValue).toArray()))
            .toList();
    return new GenerationBatch(
        request.runId(),
        request.runId() + ":" + request.step(),
        inputs,
        request.n(),
        request.sampling());
  }

  private Generation sample(InferenceBackend backend, GenerationBatch batch) {
    Timer.Sample timing = Timer.start(meters);
    try {
      Generation generation = backend.generate(batch);
      timing.stop(duration(backend, "success"));
      return generation;
    } catch (BackendException e) {
      timing.stop(duration(backend, "error"));
      throw BackendProblems.toProblem(e);
    }
  }

  /** The ledger rows of a generation, counting its tokens and finish reasons on the way. */
  private List<NewCompletion> completionRows(
      RolloutRequest request,
      InferenceBackend backend,
      List<Prompt> missing,
      Generation generation) {
    List<NewCompletion> rows = new ArrayList<>();
    long tokens = 0;
    long truncated = 0;
    for (int i = 0; i < missing.size(); i++) {
      List<GeneratedSample> samples = generation.samples().get(i);
      for (int k = 0; k < samples.size(); k++) {
        GeneratedSample s = samples.get(k);
        tokens += s.tokenIds().length;
        truncated += "length".equals(s.finishReason()) ? 1 : 0;
        rows.add(
            new NewCompletion(
                request.runId(),
                request.step(),
                missing.get(i).itemId(),
                k,
                s.text(),
                s.tokenIds(),
                s.logprobs(),
                s.finishReason(),
                generation.policyVersion(),
                backend.name()));
      }
    }
    Counter.builder("rollout.tokens")
        .description("completion tokens generated (rate() gives tokens per second)")
        .baseUnit("tokens")
        .tag("backend", backend.name())
        .register(meters)
        .increment(tokens);
    completions(backend, "stop").increment(rows.size() - truncated);
    completions(backend, "length").increment(truncated);
    return rows;
  }

  private Counter completions(InferenceBackend backend, String finishReason) {
    return Counter.builder("rollout.completions")
        .description("completions generated, by finish reason (length = truncated)")
        .tag("backend", backend.name())
        .tag("finish_reason", finishReason)
        .register(meters);
  }

  private Timer duration(InferenceBackend backend, String outcome) {
    return Timer.builder("rollout.request.duration")
        .description("time a backend took to sample one rollout batch")
        .tag("backend", backend.name())
        .tag("outcome", outcome)
        .register(meters);
  }
}
