package dev.grpo.ledger.step;

import java.util.List;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;

public interface RunStepRepository extends JpaRepository<RunStep, RunStep.Key> {

  List<RunStep> findByRunIdOrderByStepNo(UUID runId);
}
