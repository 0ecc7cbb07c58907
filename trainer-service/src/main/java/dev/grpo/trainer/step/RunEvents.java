package dev.grpo.trainer.step;

import dev.grpo.ledger.run.Run;
import dev.grpo.ledger.run.RunRepository;
import dev.grpo.ledger.step.StepLedger;
import dev.grpo.ledger.step.StepState;
import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import tools.jackson.databind.ObjectMapper;

/**
 * A run's server-sent events, read from the ledger every half second: one {@code step} event per
 * finished step (its id is the step number, so a client that reconnects with {@code Last-Event-ID}
 * continues after it), an {@code eval} event per evaluation, and a final {@code end} event with the
 * run's terminal state. Reading the ledger, the stream shows the run whichever trainer drives it.
 */
@Component
class RunEvents {

  private static final long KEEP_ALIVE_NANOS = 15_000_000_000L;

  /** What one stream has sent so far. */
  private static final class Sent {
    int next;
    final Set<Integer> evals = new HashSet<>();
    // a failed step is sent, and sent again when its retry finishes (a new finish time)
    final Map<Integer, Instant> finishes = new HashMap<>();
    long lastSend = System.nanoTime();

    Sent(int next) {
      this.next = next;
    }
  }

  private final RunRepository runs;
  private final StepLedger steps;
  private final ObjectMapper mapper;

  /** One thread per open stream, mostly asleep between ledger reads. */
  private final ExecutorService streams =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "run-events");
            t.setDaemon(true);
            return t;
          });

  RunEvents(RunRepository runs, StepLedger steps, ObjectMapper mapper) {
    this.runs = runs;
    this.steps = steps;
    this.mapper = mapper;
  }

  /** Streams the run's events from step {@code from} on. */
  SseEmitter open(UUID id, int from) {
    SseEmitter emitter = new SseEmitter(0L);
    streams.execute(() -> stream(id, from, emitter));
    return emitter;
  }

  private void stream(UUID id, int from, SseEmitter emitter) {
    Sent sent = new Sent(from);
    try {
      while (true) {
        sendSteps(id, sent, emitter);
        sendEvals(id, from, sent, emitter);
        if (sendEndIfOver(id, sent, emitter)) {
          return;
        }
        if (System.nanoTime() - sent.lastSend > KEEP_ALIVE_NANOS) {
          emitter.send(SseEmitter.event().comment("keep-alive"));
          sent.lastSend = System.nanoTime();
        }
        Thread.sleep(500);
      }
    } catch (IOException | IllegalStateException e) {
      // the client went away
      emitter.completeWithError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      emitter.complete();
    } catch (RuntimeException e) {
      emitter.completeWithError(e);
    }
  }

  private void sendSteps(UUID id, Sent sent, SseEmitter emitter) throws IOException {
    for (StepLedger.StepRow row : steps.finishedSteps(id, sent.next)) {
      if (row.step() != sent.next) {
        break;
      }
      if (!row.finishedAt().equals(sent.finishes.get(row.step()))) {
        SseEmitter.SseEventBuilder event = SseEmitter.event().name("step");
        if (row.state() == StepState.DONE) {
          // the reconnection id only moves past a step that is done
          event.id(Integer.toString(row.step()));
        }
        emitter.send(event.data(mapper.writeValueAsString(row), MediaType.APPLICATION_JSON));
        sent.finishes.put(row.step(), row.finishedAt());
        sent.lastSend = System.nanoTime();
      }
      if (row.state() != StepState.DONE) {
        break;
      }
      sent.next++;
    }
  }

  private void sendEvals(UUID id, int from, Sent sent, SseEmitter emitter) throws IOException {
    for (StepLedger.EvalRow eval : steps.evals(id)) {
      if (eval.step() >= from && sent.evals.add(eval.step())) {
        emitter.send(
            SseEmitter.event()
                .name("eval")
                .data(mapper.writeValueAsString(eval), MediaType.APPLICATION_JSON));
        sent.lastSend = System.nanoTime();
      }
    }
  }

  /**
   * Sends {@code end} and completes once the run is over and every finished step was sent; ends the
   * stream without {@code end} when the run is gone.
   */
  private boolean sendEndIfOver(UUID id, Sent sent, SseEmitter emitter) throws IOException {
    Run run = runs.findById(id).orElse(null);
    if (run == null) {
      // deleted while streamed: the stream just ends; a client asking again is answered 404
      emitter.complete();
      return true;
    }
    if (!run.getState().isTerminal()
        || !steps.finishedSteps(id, sent.next).stream()
            .allMatch(r -> r.finishedAt().equals(sent.finishes.get(r.step())))) {
      return false;
    }
    Map<String, Object> end = new LinkedHashMap<>();
    end.put("state", run.getState().name());
    end.put("error", run.getError());
    emitter.send(
        SseEmitter.event()
            .name("end")
            .data(mapper.writeValueAsString(end), MediaType.APPLICATION_JSON));
    emitter.complete();
    return true;
  }
}
