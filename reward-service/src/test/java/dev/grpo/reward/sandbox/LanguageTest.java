package dev.grpo.reward.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LanguageTest {

  @Test
  void parsesSandboxFusionNames() {
    assertThat(Language.parse("python")).contains(Language.PYTHON);
    assertThat(Language.parse("Python3")).contains(Language.PYTHON);
    assertThat(Language.parse("cpp")).contains(Language.CPP);
    assertThat(Language.parse("c++")).contains(Language.CPP);
    assertThat(Language.parse("c")).contains(Language.C);
    assertThat(Language.parse("java")).contains(Language.JAVA);
    assertThat(Language.parse("nodejs")).contains(Language.JAVASCRIPT);
    assertThat(Language.parse("rust")).isEmpty();
    assertThat(Language.parse(null)).isEmpty();
  }

  @Test
  void javaSourceFollowsThePublicClass() {
    assertThat(Language.JAVA.sourceFile("public final class Solver { }")).isEqualTo("Solver.java");
    assertThat(Language.JAVA.sourceFile("class X { }")).isEqualTo("Main.java");
    assertThat(Language.JAVA.runCommand("Solver.java", 256)).contains("Solver", "-Xmx256m");
    assertThat(Language.PYTHON.sourceFile("print(1)")).isEqualTo("main.py");
  }

  @Test
  void toolchainsUseAbsolutePaths() {
    for (Language l : Language.values()) {
      String src = l.sourceFile("");
      assertThat(l.runCommand(src, 128).get(0)).matches("^(/|\\./).*");
      if (l.compiled()) {
        assertThat(l.compileCommand(src, 128).get(0)).startsWith("/");
      } else {
        assertThat(l.compileCommand(src, 128)).isEmpty();
      }
    }
  }
}
