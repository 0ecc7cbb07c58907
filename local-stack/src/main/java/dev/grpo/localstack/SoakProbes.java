package dev.grpo.localstack;

import dev.grpo.localstack.Soak.Answer;
import dev.grpo.localstack.Soak.Probe;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/** The kinds of request of a soak: ordinary ones that must succeed and hostile ones. */
final class SoakProbes {

  private SoakProbes() {}

  /** An ordinary request: 200. */
  static final Predicate<Answer> OK = a -> a.status() == 200;

  /** A hostile request: any answer the client can act on (2xx or 4xx), never a 5xx or silence. */
  static final Predicate<Answer> ANSWERED = a -> a.status() >= 200 && a.status() < 500;

  static List<Probe> all(Soak soak, String runId) {
    List<Probe> all = new java.util.ArrayList<>(scoring(soak));
    all.addAll(sandbox(soak));
    all.add(
        new Probe(
            "rollout: 2 samples",
            n -> soak.post("rollout-service", "/api/v1/rollouts", rolloutBody(runId, n)),
            OK,
            Duration.ofSeconds(30)));
    return List.copyOf(all);
  }

  private static List<Probe> scoring(Soak soak) {
    Duration score = Duration.ofSeconds(10);
    return List.of(
        new Probe(
            "score: math + format",
            n ->
                soak.post(
                    "reward-service",
                    "/api/v1/score",
                    scoreBody("math_accuracy", "<think>2+3</think> <answer>5</answer>", "5")),
            OK.and(a -> a.body().contains("\"OK\"")),
            score),
        new Probe(
            "score: 4 MB completion",
            n ->
                soak.post(
                    "reward-service",
                    "/api/v1/score",
                    scoreBody("repetition_penalty", "abc ".repeat(1_000_000), "1")),
            ANSWERED,
            score),
        new Probe(
            "score: 70 nested parentheses",
            n ->
                soak.post(
                    "reward-service",
                    "/api/v1/score",
                    scoreBody(
                        "math_accuracy",
                        "<answer>" + "(".repeat(70) + "1" + ")".repeat(70) + "</answer>",
                        "1")),
            OK,
            score),
        new Probe(
            "score: malformed JSON",
            n -> soak.post("reward-service", "/api/v1/score", "{\"rules\": ["),
            a -> a.status() == 400,
            score));
  }

  private static List<Probe> sandbox(Soak soak) {
    Duration sandbox = Duration.ofSeconds(20);
    return List.of(
        new Probe(
            "sandbox: print(1)",
            n -> soak.post("reward-service", "/api/v1/sandbox/run", sandboxBody("print(1)", 5)),
            OK.and(a -> a.body().contains("\"stdout\":\"1\\n\"")),
            sandbox),
        new Probe(
            "sandbox: endless loop",
            n ->
                soak.post(
                    "reward-service",
                    "/api/v1/sandbox/run",
                    sandboxBody("while True:\\n    pass", 1)),
            ANSWERED,
            sandbox),
        new Probe(
            "sandbox: memory bomb",
            n ->
                soak.post(
                    "reward-service",
                    "/api/v1/sandbox/run",
                    sandboxBody("x = bytearray(8 * 1024 ** 3)\\nprint(len(x))", 5)),
            ANSWERED,
            sandbox),
        new Probe(
            "sandbox: fork bomb",
            n ->
                soak.post(
                    "reward-service",
                    "/api/v1/sandbox/run",
                    sandboxBody("import os\\nwhile True:\\n    os.fork()", 2)),
            ANSWERED,
            sandbox));
  }

  private static String scoreBody(String rule, String completion, String answer) {
    return """
        {"rules":[{"name":"%s"},{"name":"format"}],
         "items":[{"prompt":"2+3=","completion":"%s","reference":{"answer":"%s"}}]}
        """
        .formatted(rule, completion, answer);
  }

  private static String sandboxBody(String code, int runTimeoutSeconds) {
    return "{\"language\":\"python\",\"code\":\"%s\",\"run_timeout\":%d}"
        .formatted(code, runTimeoutSeconds);
  }

  /** Steps far beyond the run's own, so these samples never mix with its training data. */
  private static String rolloutBody(String runId, int n) {
    return """
        {"runId":"%s","step":%d,"policyVersion":0,"n":2,
         "prompts":[{"itemId":"soak-%d","text":"%d+%d="}],
         "sampling":{"maxTokens":16,"temperature":1.0,"seed":%d}}
        """
        .formatted(runId, 1_000_000 + n, n, n % 10, (n / 10) % 10, n);
  }
}
