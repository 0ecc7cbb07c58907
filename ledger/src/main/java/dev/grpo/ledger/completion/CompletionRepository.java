package dev.grpo.ledger.completion;

import java.util.List;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;

/** Reads completions; writes go through {@link CompletionWriter} in batches. */
public interface CompletionRepository extends JpaRepository<Completion, Long> {

  List<Completion> findByRunIdAndStepNoOrderByItemKeyAscSampleIndexAsc(UUID runId, int stepNo);

  long countByRunId(UUID runId);
}
