package dev.grpo.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * The dependency rules of ARCHITECTURE.md §2 between modules. Each module owns one package root
 * ({@code dev.grpo.<root>}); a rule names the boundary it keeps, so a violation reads as the broken
 * rule followed by the offending dependencies.
 */
class ModuleBoundariesTest {

  static final String TRAINER = "dev.grpo.trainer..";
  static final String REWARD = "dev.grpo.reward..";
  static final String ROLLOUT = "dev.grpo.rollout..";
  static final String LOCAL_STACK = "dev.grpo.localstack..";
  static final String EXAMPLES = "dev.grpo.examples..";
  static final String LEDGER = "dev.grpo.ledger..";
  static final String API = "dev.grpo.api..";
  static final String POLICY = "dev.grpo.policy..";

  @Test
  void servicesDoNotDependOnEachOther() {
    check(
        slices()
            .matching("dev.grpo.(trainer|reward|rewardmodel|rollout|localstack|examples)..")
            .namingSlices("$1")
            .as("services talk over HTTP and the ledger, never through each other's classes")
            .should()
            .notDependOnEachOther());
  }

  @Test
  void theLedgerKnowsNoService() {
    check(
        noClasses()
            .that()
            .resideInAPackage(LEDGER)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(TRAINER, REWARD, ROLLOUT, LOCAL_STACK, EXAMPLES, POLICY)
            .as("the ledger knows no service (and no model)"));
  }

  @Test
  void contractsAndThePolicyKnowNoLedger() {
    check(
        noClasses()
            .that()
            .resideInAnyPackage(API, POLICY)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(LEDGER, TRAINER, REWARD, ROLLOUT)
            .as("api and policy know no ledger and no service"));
  }

  @Test
  void theRewardServiceKnowsNoPolicy() {
    check(
        noClasses()
            .that()
            .resideInAPackage(REWARD)
            .should()
            .dependOnClassesThat()
            .resideInAPackage(POLICY)
            .as(
                "reward-service knows no policy: rewards are computed from text, not from a model"));
  }

  @Test
  void theContractsCarryNoWebMachinery() {
    check(
        noClasses()
            .that()
            .resideInAPackage(API)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                "jakarta.servlet..",
                "org.springframework.boot..",
                "org.springframework.web.servlet..")
            .as("api holds wire contracts and HTTP interface clients only, no servlet machinery"));
  }

  @Test
  void theRuleSpiAndTheWebEdgeKnowNoService() {
    check(
        noClasses()
            .that()
            .resideInAnyPackage("dev.grpo.rule..", "dev.grpo.web..", "dev.grpo.dataset..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(TRAINER, REWARD, ROLLOUT, LOCAL_STACK, EXAMPLES, LEDGER, POLICY)
            .as(
                "the rule SPI, the web edge and the dataset readers are shared libraries: they know"
                    + " no service, ledger or model"));
  }

  @Test
  void theContractsDoNotPullInTheWebEdge() {
    check(
        noClasses()
            .that()
            .resideInAPackage(API)
            .should()
            .dependOnClassesThat()
            .resideInAPackage("dev.grpo.web..")
            .as("api is what clients take; the web edge (filters, problem handlers) is not"));
  }

  private static void check(ArchRule rule) {
    rule.check(ProductionClasses.all());
  }
}
