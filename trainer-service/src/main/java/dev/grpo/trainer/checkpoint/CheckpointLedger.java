package dev.grpo.trainer.checkpoint;

import dev.grpo.ledger.checkpoint.Checkpoint;
import dev.grpo.ledger.checkpoint.CheckpointRepository;
import dev.grpo.trainer.train.CheckpointException;
import dev.grpo.trainer.train.Checkpointer;
import dev.grpo.web.ApiException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.stereotype.Service;

/**
 * Records written checkpoints in the ledger (uri, sha256 of the manifest, size) and finds the one
 * to resume from, refusing a checkpoint whose files no longer match what the ledger recorded.
 * Recording is idempotent on (run, step): the same checkpoint again is a no-op, another checkpoint
 * for a recorded step is a conflict.
 */
@Service
public class CheckpointLedger {

  private final CheckpointRepository checkpoints;

  CheckpointLedger(CheckpointRepository checkpoints) {
    this.checkpoints = checkpoints;
  }

  /** Records a checkpoint that {@link Checkpointer#save} wrote. */
  public Checkpoint record(UUID runId, long policyVersion, Checkpointer.Checkpoint written) {
    int step = Math.toIntExact(written.state().step());
    Optional<Checkpoint> existing = find(runId, step);
    if (existing.isPresent()) {
      return sameOrConflict(existing.get(), written);
    }
    try {
      return checkpoints.saveAndFlush(
          new Checkpoint(
              runId,
              step,
              policyVersion,
              written.directory().toUri().toString(),
              written.sha256(),
              size(written.directory())));
    } catch (DataIntegrityViolationException race) {
      return sameOrConflict(find(runId, step).orElseThrow(() -> race), written);
    }
  }

  /**
   * The newest checkpoint of a run, verified: every file against its manifest, and the manifest
   * against the digest the ledger recorded.
   */
  public Optional<Checkpointer.Checkpoint> latest(UUID runId) {
    return checkpoints
        .findFirstByRunIdOrderByPolicyVersionDesc(runId)
        .map(
            row -> {
              Checkpointer.Checkpoint opened =
                  Checkpointer.open(Path.of(java.net.URI.create(row.getUri())));
              if (!opened.sha256().equals(row.getSha256())) {
                throw new CheckpointException(
                    "checkpoint "
                        + row.getUri()
                        + " has manifest sha256 "
                        + opened.sha256()
                        + " but the ledger recorded "
                        + row.getSha256());
              }
              return opened;
            });
  }

  /**
   * The checkpoint a ledger id names (a pipeline stage's input), verified like {@link #latest};
   * empty when there is no such checkpoint.
   */
  public Optional<Checkpointer.Checkpoint> byId(long id) {
    return checkpoints.findById(id).map(CheckpointLedger::verified);
  }

  /** The ledger id of a run's newest checkpoint (a stage's output). */
  public Optional<Long> latestId(UUID runId) {
    return checkpoints.findFirstByRunIdOrderByPolicyVersionDesc(runId).map(Checkpoint::getId);
  }

  private static Checkpointer.Checkpoint verified(Checkpoint row) {
    Checkpointer.Checkpoint opened = Checkpointer.open(Path.of(java.net.URI.create(row.getUri())));
    if (!opened.sha256().equals(row.getSha256())) {
      throw new CheckpointException(
          "checkpoint "
              + row.getUri()
              + " has manifest sha256 "
              + opened.sha256()
              + " but the ledger recorded "
              + row.getSha256());
    }
    return opened;
  }

  /** Whether the ledger holds a checkpoint of this step. */
  public boolean recorded(UUID runId, int step) {
    return find(runId, step).isPresent();
  }

  private Optional<Checkpoint> find(UUID runId, int step) {
    return checkpoints.findByRunIdAndStepNo(runId, step);
  }

  private static Checkpoint sameOrConflict(Checkpoint row, Checkpointer.Checkpoint written) {
    if (row.getSha256().equals(written.sha256())) {
      return row;
    }
    throw ApiException.conflict(
        "checkpoint-conflict",
        "step "
            + row.getStepNo()
            + " of run "
            + row.getRunId()
            + " already has checkpoint "
            + row.getUri()
            + " with another sha256");
  }

  private static long size(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .mapToLong(
              f -> {
                try {
                  return Files.size(f);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              })
          .sum();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
