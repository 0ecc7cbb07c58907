package dev.grpo.trainer.run;

import dev.grpo.api.run.RunSpec;
import dev.grpo.ledger.run.Run;
import dev.grpo.ledger.run.RunCommands;
import dev.grpo.ledger.run.RunRepository;
import dev.grpo.ledger.run.RunState;
import dev.grpo.ledger.run.RunState.RunCommand;
import dev.grpo.web.ApiException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.UUID;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.PageRequest;
import org.springframework.data.domain.Sort;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** Creates runs (idempotently) and moves them through their state machine. */
@Service
class RunService {

  /** What a create call did: made a new run, or found the one an earlier call with its key made. */
  record Created(RunView run, boolean replayed) {}

  private final RunRepository runs;
  private final ObjectMapper mapper;
  private final ObjectMapper canonical;
  private final TransactionTemplate tx;
  private final Clock clock;
  private final RunCommands commands;

  RunService(
      RunRepository runs, RunCommands commands, ObjectMapper mapper, TransactionTemplate tx) {
    this.runs = runs;
    this.commands = commands;
    this.mapper = mapper;
    // the request hash must not depend on map order or on how the client spaced its JSON
    this.canonical =
        JsonMapper.builder().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).build();
    this.tx = tx;
    this.clock = Clock.systemUTC();
  }

  Created create(RunSpec spec, String idempotencyKey) {
    return create(spec, idempotencyKey, null);
  }

  /** Creates a run as one point of a sweep. */
  Created create(RunSpec spec, String idempotencyKey, UUID sweepId) {
    String specJson = mapper.writeValueAsString(spec);
    String hash = sha256(canonical.writeValueAsString(spec));
    if (idempotencyKey != null) {
      Run earlier = runs.findByIdempotencyKey(idempotencyKey).orElse(null);
      if (earlier != null) {
        return replay(earlier, hash, idempotencyKey);
      }
    }
    UUID id = UUID.randomUUID();
    String name = spec.name() != null ? spec.name() : "run-" + id.toString().substring(0, 8);
    try {
      Run run =
          tx.execute(
              status -> {
                Run fresh = new Run(id, name, specJson, idempotencyKey, hash, clock.instant());
                fresh.setSweepId(sweepId);
                return runs.saveAndFlush(fresh);
              });
      return new Created(view(run), false);
    } catch (DataIntegrityViolationException race) {
      // a concurrent call with the same key won the insert
      Run earlier = runs.findByIdempotencyKey(idempotencyKey).orElseThrow(() -> race);
      return replay(earlier, hash, idempotencyKey);
    }
  }

  private Created replay(Run earlier, String hash, String key) {
    if (!earlier.getRequestHash().equals(hash)) {
      throw new ApiException(
          HttpStatus.UNPROCESSABLE_CONTENT,
          "idempotency-key-reused",
          "Idempotency-Key '"
              + key
              + "' was used for run "
              + earlier.getId()
              + " with a different spec; use a new key for a new run");
    }
    return new Created(view(earlier), true);
  }

  RunView get(UUID id) {
    return view(find(id));
  }

  RunPage list(RunState state, int page, int size) {
    PageRequest request =
        PageRequest.of(page, size, Sort.by(Sort.Order.desc("createdAt"), Sort.Order.desc("id")));
    Page<Run> result = state == null ? runs.findAll(request) : runs.findByState(state, request);
    return new RunPage(
        result.getContent().stream().map(this::view).toList(),
        page,
        size,
        result.getTotalElements(),
        result.getTotalPages());
  }

  /**
   * Moves a run through its state machine ({@link RunCommands}); a repeated command (pause of a
   * paused run) is allowed and changes nothing.
   */
  RunView apply(UUID id, RunCommand command) {
    boolean changed = commands.apply(id, command);
    Run run = find(id);
    if (!changed && run.getState() != command.target()) {
      throw ApiException.conflict(
          "illegal-transition",
          "cannot " + command.name().toLowerCase() + " run " + id + " in state " + run.getState());
    }
    return view(run);
  }

  private Run find(UUID id) {
    return runs.findById(id).orElseThrow(() -> ApiException.notFound("run", id));
  }

  private RunView view(Run run) {
    JsonNode spec = mapper.readTree(run.getSpec());
    return RunView.of(run, spec);
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
