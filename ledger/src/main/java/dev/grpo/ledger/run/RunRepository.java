package dev.grpo.ledger.run;

import java.util.Optional;
import java.util.UUID;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;

public interface RunRepository extends JpaRepository<Run, UUID> {

  Page<Run> findByState(RunState state, Pageable pageable);

  Optional<Run> findByIdempotencyKey(String idempotencyKey);
}
