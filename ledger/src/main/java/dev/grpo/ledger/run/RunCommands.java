package dev.grpo.ledger.run;

import dev.grpo.ledger.run.RunState.RunCommand;
import java.util.Arrays;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * A user's command on a run (pause, resume, cancel) applied as one conditional UPDATE that touches
 * only the state columns, so it never overwrites the progress and lease columns the orchestrator
 * writes concurrently.
 */
@Component
public class RunCommands {

  private final JdbcTemplate jdbc;

  RunCommands(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Moves the run to the command's target state if the command is allowed from its current one;
   * false when nothing changed (not allowed, already there, or no such run).
   */
  public boolean apply(UUID runId, RunCommand command) {
    RunState target = command.target();
    String[] from =
        Arrays.stream(RunState.values())
            .filter(command::allowedFrom)
            .map(Enum::name)
            .toArray(String[]::new);
    boolean terminal = target.isTerminal();
    return jdbc.update(
            """
            UPDATE run
            SET state = ?,
                updated_at = now(),
                finished_at = CASE WHEN ? THEN now() ELSE finished_at END,
                lease_owner = CASE WHEN ? THEN NULL ELSE lease_owner END,
                lease_expires_at = CASE WHEN ? THEN NULL ELSE lease_expires_at END,
                version = version + 1
            WHERE id = ? AND state = ANY (?) AND state <> ?
            """,
            ps -> {
              ps.setString(1, target.name());
              ps.setBoolean(2, terminal);
              ps.setBoolean(3, terminal);
              ps.setBoolean(4, terminal);
              ps.setObject(5, runId);
              ps.setArray(6, ps.getConnection().createArrayOf("text", from));
              ps.setString(7, target.name());
            })
        == 1;
  }
}
