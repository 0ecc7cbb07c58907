package dev.grpo.reward.sandbox;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A language the sandbox can compile and run, with its toolchain command lines. */
public enum Language {
  PYTHON("main.py", false, 0, 16),
  C("main.c", true, 0, 0),
  CPP("main.cpp", true, 0, 0),
  JAVA("Main.java", true, 2048, 192),
  JAVASCRIPT("main.js", false, 1024, 32);

  static final String JDK = "/usr/lib/jvm/java-17-openjdk-amd64";
  private static final Pattern PUBLIC_CLASS =
      Pattern.compile("public\\s+(?:final\\s+|abstract\\s+)*class\\s+([A-Za-z_$][A-Za-z0-9_$]*)");

  private final String defaultSourceFile;
  private final boolean compiled;
  private final long extraAddressSpaceMb;
  private final int extraProcesses;

  Language(
      String defaultSourceFile, boolean compiled, long extraAddressSpaceMb, int extraProcesses) {
    this.defaultSourceFile = defaultSourceFile;
    this.compiled = compiled;
    this.extraAddressSpaceMb = extraAddressSpaceMb;
    this.extraProcesses = extraProcesses;
  }

  /**
   * Parses SandboxFusion-style names: python, python3, c, cpp, c++, java, javascript, nodejs, js.
   */
  public static Optional<Language> parse(String name) {
    if (name == null) {
      return Optional.empty();
    }
    return switch (name.trim().toLowerCase(Locale.ROOT)) {
      case "python", "python3", "py" -> Optional.of(PYTHON);
      case "c" -> Optional.of(C);
      case "cpp", "c++", "cxx" -> Optional.of(CPP);
      case "java" -> Optional.of(JAVA);
      case "javascript", "nodejs", "node", "js" -> Optional.of(JAVASCRIPT);
      default -> Optional.empty();
    };
  }

  boolean compiled() {
    return compiled;
  }

  /** Extra address space granted on top of the memory limit (JVM and V8 reserve a lot). */
  long extraAddressSpaceMb() {
    return extraAddressSpaceMb;
  }

  /** Extra tasks granted on top of the process limit (RLIMIT_NPROC counts threads). */
  int extraProcesses() {
    return extraProcesses;
  }

  /** File name the source is written to; for Java, follows the public class name. */
  String sourceFile(String code) {
    if (this == JAVA) {
      Matcher m = PUBLIC_CLASS.matcher(code);
      if (m.find()) {
        return m.group(1) + ".java";
      }
    }
    return defaultSourceFile;
  }

  /** Compile command run with /sandbox as working directory, or an empty list. */
  List<String> compileCommand(String sourceFile, long memoryMb) {
    return switch (this) {
      case C -> List.of("/usr/bin/gcc", "-O2", "-std=gnu17", "-o", "main", sourceFile, "-lm");
      case CPP -> List.of("/usr/bin/g++", "-O2", "-std=gnu++17", "-o", "main", sourceFile);
      case JAVA ->
          List.of(
              JDK + "/bin/javac",
              "-J-Xmx" + memoryMb + "m",
              "-J-XX:+UseSerialGC",
              "-J-XX:TieredStopAtLevel=1",
              "-J-XX:ReservedCodeCacheSize=64m",
              "-J-XX:CompressedClassSpaceSize=64m",
              // no annotation processing: a submitted processor would otherwise run at compile time
              "-proc:none",
              "-encoding",
              "UTF-8",
              "-d",
              ".",
              sourceFile);
      default -> List.of();
    };
  }

  /** Run command with /sandbox as working directory. */
  List<String> runCommand(String sourceFile, long memoryMb) {
    return switch (this) {
      case PYTHON -> List.of("/usr/bin/python3", "-u", sourceFile);
      case C, CPP -> List.of("./main");
      case JAVA ->
          List.of(
              JDK + "/bin/java",
              "-Xmx" + memoryMb + "m",
              "-Xss64m",
              "-XX:+UseSerialGC",
              "-XX:TieredStopAtLevel=1",
              "-XX:ReservedCodeCacheSize=64m",
              "-XX:CompressedClassSpaceSize=64m",
              "-cp",
              ".",
              sourceFile.substring(0, sourceFile.length() - ".java".length()));
      case JAVASCRIPT -> List.of("/usr/bin/node", "--max-old-space-size=" + memoryMb, sourceFile);
    };
  }

  /** Extra read-only host paths the toolchain needs inside the sandbox. */
  List<String> extraReadOnlyPaths() {
    return this == JAVA ? List.of("/etc/java-17-openjdk") : List.of();
  }
}
