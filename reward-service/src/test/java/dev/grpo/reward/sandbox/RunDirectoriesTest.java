package dev.grpo.reward.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunDirectoriesTest {

  @TempDir Path workRoot;

  @Test
  void theOwnerPidIsReadFromTheNameOnly() {
    assertThat(RunDirectories.ownerPid("run-4711-0a1b")).contains(4711L);
    assertThat(RunDirectories.ownerPid("run-0a1b2c3d")).isEmpty(); // an older name: no owner
    assertThat(RunDirectories.ownerPid("run--0a1b")).isEmpty();
    assertThat(RunDirectories.ownerPid("run-12x-0a1b")).isEmpty();
    assertThat(RunDirectories.ownerPid("uid-locks")).isEmpty();
  }

  @Test
  void aDirectoryIsNamedForItsOwnerAndDeletedWithEverythingInIt() throws Exception {
    RunDirectories dirs = new RunDirectories(workRoot);
    Path dir = dirs.create();
    Files.writeString(dir.resolve("box/main.py"), "print(1)");
    Files.writeString(dir.resolve("stdin-1"), "1\n");

    assertThat(RunDirectories.ownerPid(dir.getFileName().toString()))
        .isEqualTo(Optional.of(ProcessHandle.current().pid()));
    assertThat(dirs.live()).containsExactly(dir);
    dirs.delete(dir);
    assertThat(dir).doesNotExist();
    assertThat(dirs.live()).isEmpty();
  }

  @Test
  void closingDeletesTheDirectoriesOfRunsStillInFlightAndRefusesNewOnes() throws Exception {
    RunDirectories dirs = new RunDirectories(workRoot);
    Path first = dirs.create();
    Path second = dirs.create();
    Files.writeString(second.resolve("box/main.py"), "import time; time.sleep(100)");

    assertThat(dirs.deleteAll()).isEqualTo(2);

    assertThat(first).doesNotExist();
    assertThat(second).doesNotExist();
    assertThatThrownBy(dirs::create).hasMessage("the sandbox is closed");
    assertThat(runDirectories()).isEmpty();
  }

  @Test
  void theSweepDeletesWhatADeadJvmLeftAndNothingElse() throws Exception {
    Process exited = new ProcessBuilder("/usr/bin/true").start();
    exited.waitFor();
    Path dead = workRoot.resolve("run-" + exited.pid() + "-0a1b");
    Files.createDirectories(dead.resolve("box"));
    Files.writeString(dead.resolve("box/main.py"), "print(1)");
    Path alive = workRoot.resolve("run-" + ProcessHandle.current().pid() + "-2c3d");
    Files.createDirectories(alive.resolve("box"));
    Path unowned = workRoot.resolve("run-4e5f");
    Files.createDirectories(unowned);
    Path locks = Files.createDirectories(workRoot.resolve("uid-locks"));

    assertThat(RunDirectories.sweepDead(workRoot)).isEqualTo(1);

    assertThat(dead).doesNotExist();
    assertThat(alive).isDirectory();
    assertThat(unowned).isDirectory();
    assertThat(locks).isDirectory();
  }

  private Stream<Path> runDirectories() throws Exception {
    return Files.list(workRoot).filter(p -> p.getFileName().toString().startsWith("run-"));
  }
}
