package dev.grpo.trainer.step;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpo.testsupport.LedgerFixtures;
import dev.grpo.testsupport.ServiceHttp;
import dev.grpo.testsupport.ServiceHttp.Response;
import dev.grpo.testsupport.SharedPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/** The read side of a run: steps, samples with per-rule rewards, evals and the event stream. */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "grpo.trainer.api-key=k",
      "grpo.trainer.check-services=false",
      "grpo.ledger.reaper-interval=1h",
      "grpo.trainer.orchestrator.enabled=false"
    })
class StepApiIT {

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    SharedPostgres.register(registry);
  }

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;
  ServiceHttp http;
  UUID run;

  @BeforeEach
  void ledger() {
    http = new ServiceHttp(port, "k");
    run = LedgerFixtures.insertRun(jdbc);
    for (int s = 0; s < 3; s++) {
      jdbc.update(
          "INSERT INTO run_step (run_id, step_no, state, policy_version, metrics, phase_timings,"
              + " finished_at) VALUES (?, ?, 'DONE', ?, ?::jsonb, '{\"total\": 1.5}'::jsonb,"
              + " now())",
          run,
          s,
          s + 1,
          "{\"reward_mean\": " + (0.25 * s) + ", \"kl\": null}");
    }
    jdbc.update(
        "INSERT INTO run_step (run_id, step_no, state, policy_version) VALUES (?, 3, 'TRAINING',"
            + " 4)",
        run);
    jdbc.update(
        "INSERT INTO dataset_item (run_id, item_key, split, ordinal, prompt) VALUES (?, 'train-1',"
            + " 'train', 0, '3+4=')",
        run);
    for (int k = 0; k < 2; k++) {
      Long id =
          jdbc.queryForObject(
              "INSERT INTO completion (run_id, step_no, item_key, sample_index, text, token_ids,"
                  + " logprobs, finish_reason, policy_version, backend) VALUES (?, 1, 'train-1', ?,"
                  + " ?, '{5,6,2}', '{-0.1,-0.2,-0.3}', 'stop', 2, 'embedded') RETURNING id",
              Long.class,
              run,
              k,
              k == 0 ? "<answer>7</answer>" : "<answer>8</answer>");
      jdbc.update(
          "INSERT INTO reward (completion_id, rule_id, rule_version, status, score, details)"
              + " VALUES (?, 'math_accuracy', '1.0', 'OK', ?, ?::jsonb)",
          id,
          k == 0 ? 1.0 : 0.0,
          "{\"prediction\": \"" + (7 + k) + "\", \"gold\": \"7\"}");
      jdbc.update(
          "INSERT INTO reward (completion_id, rule_id, rule_version, status, score) VALUES (?,"
              + " 'keyword_coverage', '1.0', 'ERROR', NULL)",
          id);
    }
    jdbc.update(
        "INSERT INTO run_eval (run_id, step_no, policy_version, metrics) VALUES (?, 0, 1,"
            + " '{\"accuracy\": 0.25}'::jsonb), (?, 2, 3, '{\"accuracy\": 0.5}'::jsonb)",
        run,
        run);
  }

  @Test
  void stepsListEveryRowWithMetricsAndTimings() {
    JsonNode steps = http.get("/api/v1/runs/" + run + "/steps").json().get("steps");
    assertThat(steps).hasSize(4);
    assertThat(steps.get(2).get("metrics").get("reward_mean").asDouble()).isEqualTo(0.5);
    assertThat(steps.get(2).get("phaseTimings").get("total").asDouble()).isEqualTo(1.5);
    assertThat(steps.get(3).get("state").asString()).isEqualTo("TRAINING");
    assertThat(steps.get(3).get("finishedAt").isNull()).isTrue();
    JsonNode page = http.get("/api/v1/runs/" + run + "/steps?from=2&limit=1").json().get("steps");
    assertThat(page).hasSize(1);
    assertThat(page.get(0).get("step").asInt()).isEqualTo(2);
  }

  @Test
  void samplesCarryPromptAndEveryRuleResultWithItsStatus() {
    JsonNode body = http.get("/api/v1/runs/" + run + "/samples?step=1").json();
    assertThat(body.get("totalItems").asLong()).isEqualTo(2);
    JsonNode first = body.get("samples").get(0);
    assertThat(first.get("prompt").asString()).isEqualTo("3+4=");
    assertThat(first.get("text").asString()).isEqualTo("<answer>7</answer>");
    assertThat(first.get("tokens").asInt()).isEqualTo(3);
    JsonNode rewards = first.get("rewards");
    assertThat(rewards).hasSize(2);
    assertThat(rewards.get(0).get("rule").asString()).isEqualTo("keyword_coverage");
    assertThat(rewards.get(0).get("status").asString()).isEqualTo("ERROR");
    assertThat(rewards.get(0).get("score").isNull()).isTrue();
    assertThat(rewards.get(1).get("score").asDouble()).isEqualTo(1.0);
    // what the rule said: the console marks the verifier's prediction in the completion
    assertThat(rewards.get(1).get("details").get("prediction").asString()).isEqualTo("7");
    assertThat(rewards.get(0).get("details").isEmpty()).isTrue();
    assertThat(body.get("samples").get(1).get("rewards").get(1).get("score").asDouble())
        .isEqualTo(0.0);
    assertThat(http.get("/api/v1/runs/" + run + "/samples?step=2").json().get("samples")).isEmpty();
  }

  @Test
  void badParametersAndUnknownRunsAreProblems() {
    Response missing = http.get("/api/v1/runs/" + run + "/samples");
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.json().get("errors").get(0).get("field").asString()).isEqualTo("step");
    Response negative = http.get("/api/v1/runs/" + run + "/samples?step=-1&size=5000");
    assertThat(negative.status()).isEqualTo(400);
    assertThat(negative.json().get("errors")).hasSize(2);
    assertThat(http.get("/api/v1/runs/" + UUID.randomUUID() + "/steps").status()).isEqualTo(404);
    assertThat(http.get("/api/v1/runs/" + UUID.randomUUID() + "/events").status()).isEqualTo(404);
  }

  @Test
  void evalsAreListedInStepOrder() {
    JsonNode evals = http.get("/api/v1/runs/" + run + "/evals").json().get("evals");
    assertThat(evals).hasSize(2);
    assertThat(evals.get(1).get("step").asInt()).isEqualTo(2);
    assertThat(evals.get(1).get("metrics").get("accuracy").asDouble()).isEqualTo(0.5);
  }

  @Test
  void theEventStreamSendsFinishedStepsInOrderThenEndsWithTheRun() throws Exception {
    // the step in flight finishes and the run ends while a client listens
    Thread finisher =
        new Thread(
            () -> {
              try {
                Thread.sleep(1500);
              } catch (InterruptedException e) {
                return;
              }
              // step 3 fails once (a rule whose policy is fail), then its retry succeeds
              jdbc.update(
                  "UPDATE run_step SET state = 'FAILED', finished_at = now() WHERE run_id = ? AND"
                      + " step_no = 3",
                  run);
              try {
                // the stream reads the ledger every 500 ms: the failure stays long enough to be
                // read even on a machine so loaded that a read comes seconds late
                Thread.sleep(4000);
              } catch (InterruptedException e) {
                return;
              }
              jdbc.update(
                  "UPDATE run_step SET state = 'DONE', finished_at = now() WHERE run_id = ? AND"
                      + " step_no = 3",
                  run);
              jdbc.update("UPDATE run SET state = 'SUCCEEDED' WHERE id = ?", run);
            });
    finisher.start();
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/api/v1/runs/" + run + "/events"))
                    .header("Last-Event-ID", "0")
                    .header("Authorization", "Bearer k")
                    .timeout(Duration.ofSeconds(30))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    finisher.join();
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
    List<String> ids =
        r.body().lines().filter(l -> l.startsWith("id:")).map(l -> l.substring(3)).toList();
    assertThat(ids).containsExactly("1", "2", "3");
    List<String> events =
        r.body().lines().filter(l -> l.startsWith("event:")).map(l -> l.substring(6)).toList();
    // steps after Last-Event-ID 0; the eval of step 2 (not the one of step 0) as soon as it is
    // there, while step 3 is still in flight; step 3's failure (without an id: a reconnect must
    // not skip the retry), its retry once it is done; then the end
    assertThat(events).containsExactly("step", "step", "eval", "step", "step", "end");
    assertThat(r.body()).contains("\"state\":\"FAILED\"");
    assertThat(r.body()).contains("\"state\":\"SUCCEEDED\"");
  }

  @Test
  void aRunDeletedWhileStreamedEndsTheStreamWithoutAnEndEvent() throws Exception {
    Thread deleter =
        new Thread(
            () -> {
              try {
                Thread.sleep(1500);
              } catch (InterruptedException e) {
                return;
              }
              jdbc.update("DELETE FROM run WHERE id = ?", run);
            });
    deleter.start();
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/api/v1/runs/" + run + "/events"))
                    .header("Authorization", "Bearer k")
                    .timeout(Duration.ofSeconds(30))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    deleter.join();
    assertThat(r.statusCode()).isEqualTo(200);
    List<String> ids =
        r.body().lines().filter(l -> l.startsWith("id:")).map(l -> l.substring(3)).toList();
    assertThat(ids).containsExactly("0", "1", "2");
    assertThat(r.body()).doesNotContain("event:end").doesNotContain("Exception");
    // asking again is a plain 404
    assertThat(http.get("/api/v1/runs/" + run + "/events").status()).isEqualTo(404);
  }
}
