package dev.grpo.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * The rules of CONVENTIONS.md inside the modules: an engine-agnostic core with no Spring in it, and
 * persistence only in the ledger.
 */
class LayerRulesTest {

  static final String[] FRAMEWORK = {
    "org.springframework..",
    "jakarta.persistence..",
    "jakarta.servlet..",
    "java.sql..",
    "javax.sql.."
  };

  static final String[] PLAIN_JAVA_CORE = {
    "dev.grpo.trainer.grpo..",
    "dev.grpo.trainer.optim..",
    "dev.grpo.reward.math..",
    "dev.grpo.reward.sandbox..",
    "dev.grpo.reward.judge..",
    "dev.grpo.reward.llmjudge..",
    "dev.grpo.rule..",
  };

  static final String[] SQL = {"java.sql..", "javax.sql..", "org.springframework.jdbc.."};

  @Test
  void theGrpoMathTheOptimizerTheVerifierAndTheSandboxArePlainJava() {
    check(
        noClasses()
            .that()
            .resideInAnyPackage(PLAIN_JAVA_CORE)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(FRAMEWORK)
            .as(
                "no Spring, JPA or JDBC in the GRPO math, optimizer, verifier, sandbox, code judge,"
                    + " rule SPI and dataset readers: they are plain Java, unit-tested directly and"
                    + " wired by Spring from outside"));
  }

  @Test
  void controllersRunNoSql() {
    check(
        noClasses()
            .that()
            .areAnnotatedWith("org.springframework.web.bind.annotation.RestController")
            .or()
            .areAnnotatedWith("org.springframework.stereotype.Controller")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(SQL)
            .as("no JDBC in controllers: queries live in ledger repositories and query classes"));
  }

  @Test
  void sqlLivesInTheLedger() {
    check(
        noClasses()
            .that()
            .resideOutsideOfPackages(
                "dev.grpo.ledger..",
                "dev.grpo.localstack..",
                "dev.grpo.dataset..",
                "dev.grpo.testsupport..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(SQL)
            .as(
                "SQL lives in the ledger (local-stack only starts PostgreSQL, datasets reads"
                    + " Parquet through an in-memory DuckDB, test-support creates test databases):"
                    + " services persist through ledger repositories"));
  }

  private static void check(ArchRule rule) {
    rule.check(ProductionClasses.all());
  }
}
