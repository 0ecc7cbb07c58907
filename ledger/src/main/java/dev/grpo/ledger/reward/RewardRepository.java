package dev.grpo.ledger.reward;

import java.util.Collection;
import java.util.List;
import org.springframework.data.jpa.repository.JpaRepository;

/** Reads rewards; writes go through {@link RewardWriter} in batches. */
public interface RewardRepository extends JpaRepository<Reward, Long> {

  List<Reward> findByCompletionIdIn(Collection<Long> completionIds);
}
