package dev.grpo.ledger.rule;

import java.util.List;
import java.util.Optional;
import org.springframework.data.jpa.repository.JpaRepository;

public interface RewardRuleRegistrationRepository
    extends JpaRepository<RewardRuleRegistration, Long> {

  Optional<RewardRuleRegistration> findByNameAndVersion(String name, String version);

  List<RewardRuleRegistration> findByEnabledTrueOrderByName();
}
