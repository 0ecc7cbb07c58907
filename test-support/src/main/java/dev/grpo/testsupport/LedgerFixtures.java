package dev.grpo.testsupport;

import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;

/** Rows that tests of other tables need to exist first. */
public final class LedgerFixtures {

  private LedgerFixtures() {}

  /** Inserts a RUNNING run with an empty spec and returns its id. */
  public static UUID insertRun(JdbcTemplate jdbc) {
    UUID id = UUID.randomUUID();
    jdbc.update(
        "INSERT INTO run (id, name, spec, state) VALUES (?, ?, '{}'::jsonb, 'RUNNING')",
        id,
        "run-" + id);
    return id;
  }
}
