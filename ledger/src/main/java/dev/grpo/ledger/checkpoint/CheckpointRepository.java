package dev.grpo.ledger.checkpoint;

import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;

public interface CheckpointRepository extends JpaRepository<Checkpoint, Long> {

  Optional<Checkpoint> findFirstByRunIdOrderByPolicyVersionDesc(UUID runId);

  Optional<Checkpoint> findByRunIdAndStepNo(UUID runId, int stepNo);
}
