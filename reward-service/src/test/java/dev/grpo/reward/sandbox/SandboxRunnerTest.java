package dev.grpo.reward.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SandboxRunnerTest {

  @TempDir Path tmp;

  @Test
  void commandLineIsolatesTheProgram() throws Exception {
    Path box = Files.createDirectories(tmp.resolve("run-x/box"));
    Files.writeString(box.resolve("main.py"), "print(1)");
    Files.createSymbolicLink(box.resolve("evil"), Path.of("/etc/passwd"));
    try (SandboxRunner runner = new SandboxRunner(SandboxConfig.defaults().withWorkRoot(tmp))) {
      List<String> a =
          runner.commandLine(
              box,
              SandboxRunner.Mount.READ_ONLY_FILES_ON_TMPFS,
              List.of("/usr/bin/python3", "main.py"),
              SandboxPolicy.runDefaults(),
              Map.of(),
              List.of(),
              62005,
              null);
      String line = String.join(" ", a);
      assertThat(a.subList(0, 5))
          .containsExactly(
              "/bin/sh",
              "-c",
              "exec \"$@\" 3<\"$0\"",
              tmp.resolve("seccomp-" + ProcessHandle.current().pid() + ".bpf").toString(),
              "/usr/bin/prlimit");
      assertThat(line)
          .contains("--cpu=10 ", "--as=" + (512L << 20), "--nproc=64", "--fsize=", "--nofile=64")
          .contains("--reuid=62005 --regid=62005 --clear-groups --inh-caps=-all")
          .contains(
              "/usr/bin/bwrap --seccomp 3 --unshare-all --unshare-user --disable-userns --as-pid-1 --die-with-parent")
          .contains("--ro-bind /usr /usr")
          .contains("--tmpfs /sandbox --ro-bind " + box.resolve("main.py") + " /sandbox/main.py")
          .contains("--remount-ro / --chdir /sandbox --clearenv")
          .contains("--setenv " + SandboxConfig.MARKER + " run-x")
          .endsWith("-- /usr/bin/python3 main.py");
      assertThat(line).doesNotContain("--share-net", " /etc ", "/root", "/home", "/work ");
      assertThat(a).doesNotContain("/etc/passwd", "/etc", "/sandbox/evil");
    }
  }
}
