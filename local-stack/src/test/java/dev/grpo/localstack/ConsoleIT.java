package dev.grpo.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The run console (trainer-service, {@code /console/}) in a real headless chromium against the real
 * local stack: a wrong key and the right one, a spec error shown beside its field, a short run
 * whose step counter and charts grow while it trains, pause and resume, a step's samples, the runs
 * list filtered by state, an unknown run id and a run deleted while its page is open. A screenshot
 * of each page goes to {@code target/console-screenshots/}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleIT {

  private static final String KEY = "console-it-" + UUID.randomUUID();
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Path SHOTS = Path.of("target", "console-screenshots");
  // long enough (0.2-0.3 s a step here) for the test to pause it halfway
  private static final int STEPS = 60;

  private static Path state;
  private static LocalStack stack;
  private static String trainer;
  private static int pgPort;
  private static WebDriver browser;
  private static String runId;
  private static String idleRun;

  /** A short run on the tiny model, as in EndToEndIT: 4 prompts × 4 samples, 12 new tokens. */
  private static final String VALID_SPEC =
      """
      {
        "name": "console-run",
        "data": {"source": "generator", "generatorSize": 64, "evalFraction": 0.1},
        "algorithm": {"groupSize": 4, "beta": 0.04},
        "optimizer": {"learningRate": 0.0005},
        "rollout": {"maxTokens": 12},
        "rewards": [{"rule": "math_accuracy", "weight": 1.0}, {"rule": "format", "weight": 0.2}],
        "schedule": {"steps": %d, "promptsPerStep": 4, "checkpointEvery": 30},
        "seed": 5
      }
      """
          .formatted(STEPS);

  /** Two invalid fields, on lines 4 and 5. */
  private static final String BAD_SPEC =
      """
      {
        "name": "console-bad",
        "algorithm": {
          "groupSize": 1,
          "lossAggregation": "ppo"
        },
        "rollout": {"maxTokens": 12}
      }
      """;

  @BeforeAll
  static void start() throws Exception {
    // before the stack: without a browser there is nothing to start it for
    ChromiumBinaries.Found chromium = ChromiumBinaries.require();
    Files.createDirectories(SHOTS);
    try (var old = Files.newDirectoryStream(SHOTS, "*.png")) {
      for (Path shot : old) {
        Files.delete(shot);
      }
    }
    state = Files.createTempDirectory("grpo-console");
    Map<String, String> env = new HashMap<>();
    env.put("GRPO_HOME", Path.of("..").toAbsolutePath().normalize().toString());
    env.put("GRPO_STATE_DIR", state.toString());
    env.put("GRPO_API_KEY", KEY);
    env.put("GRPO_TRAINER_PORT", Integer.toString(freePort()));
    env.put("GRPO_ROLLOUT_PORT", Integer.toString(freePort()));
    env.put("GRPO_REWARD_PORT", Integer.toString(freePort()));
    pgPort = freePort();
    env.put("GRPO_PG_PORT", Integer.toString(pgPort));
    env.put("GRPO_JAVA_OPTS", "-Xmx768m -XX:TieredStopAtLevel=1");
    StackConfig config = StackConfig.fromEnvironment(env);
    stack = new LocalStack(config, new PrintStream(System.out, true, StandardCharsets.UTF_8));
    stack.start();
    trainer = config.services().get(0).url();

    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.chromium().toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1400,1800");
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(chromium.driver().toFile())
            .usingAnyFreePort()
            .build();
    browser = new ChromeDriver(service, options);
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  @Order(1)
  void aWrongKeyIsRefusedWithAMessageAndTheFormComesBack() throws Exception {
    browser.get(trainer + "/console/");
    WebElement key = visible(By.id("api-key"));
    key.sendKeys("not-the-key");
    browser.findElement(By.id("key-save")).click();
    WebElement message = visible(By.id("message"));
    await().until(d -> message.getText().contains("The API key was refused (401"));
    assertThat(visible(By.id("key-form")).isDisplayed()).isTrue();
    assertThat(browser.findElement(By.tagName("main")).isDisplayed()).isFalse();
    assertThat(browser.getCurrentUrl()).doesNotContain("not-the-key");
    shot("01-wrong-key");
  }

  @Test
  @Order(2)
  void theKeyOpensTheRunsList() throws Exception {
    browser.get(trainer + "/console/");
    visible(By.id("api-key")).sendKeys(KEY);
    browser.findElement(By.id("key-save")).click();
    await().until(d -> d.findElement(By.id("runs-page")).getText().contains("(0 runs)"));
    assertThat(browser.findElement(By.id("runs-empty")).isDisplayed()).isTrue();
    assertThat(browser.findElement(By.id("key-status")).isDisplayed()).isTrue();
    assertThat(browser.getCurrentUrl()).doesNotContain(KEY);
  }

  @Test
  @Order(3)
  void aSpecErrorIsShownBesideTheFieldItNames() throws Exception {
    browser.get(trainer + "/console/new.html");
    WebElement spec = visible(By.id("spec"));
    js("arguments[0].value = arguments[1];", spec, BAD_SPEC);
    browser.findElement(By.id("create")).click();
    WebElement groupSize =
        visible(By.cssSelector(".field-problem[data-field='algorithm.groupSize']"));
    assertThat(groupSize.getAttribute("textContent"))
        .contains("algorithm.groupSize: must be greater than or equal to 2");
    assertThat(groupSize.getAttribute("data-line")).isEqualTo("4");
    WebElement loss =
        visible(By.cssSelector(".field-problem[data-field='algorithm.lossAggregation']"));
    assertThat(loss.getAttribute("textContent")).contains("must be one of: grpo, bnpo");
    assertThat(loss.getAttribute("data-line")).isEqualTo("5");
    // beside the field: level with its line of the text area, to the right of it
    assertThat(loss.getRect().getY() - groupSize.getRect().getY()).isEqualTo(20);
    assertThat(groupSize.getRect().getX()).isGreaterThan(spec.getRect().getX());
    assertThat(visible(By.id("message")).getText()).contains("2 invalid fields");
    assertThat(browser.getCurrentUrl()).endsWith("/console/new.html");
    shot("02-spec-error");
  }

  @Test
  @Order(4)
  void aValidRunIsCreatedAndItsStepCounterAndChartsGrowLive() throws Exception {
    WebElement spec = visible(By.id("spec"));
    js("arguments[0].value = arguments[1];", spec, VALID_SPEC);
    browser.findElement(By.id("create")).click();
    await().until(d -> d.getCurrentUrl().contains("/console/run.html?id="));
    runId = browser.getCurrentUrl().replaceAll(".*id=", "");
    assertThat(runId).matches("[0-9a-f-]{36}");
    await().until(d -> d.findElement(By.id("run-live")).getText().equals("connected"));

    int firstStep =
        await(Duration.ofMinutes(3)).until(d -> stepShown(d) >= 1 ? stepShown(d) : null);
    int firstPoints = await().until(d -> points("reward") >= 1 ? points("reward") : null);
    await(Duration.ofMinutes(2))
        .until(d -> stepShown(d) > firstStep && points("reward") > firstPoints);
    // read in one script, between two events: every chart got a point per step
    @SuppressWarnings("unchecked")
    List<String> counts =
        (List<String>)
            js(
                "return ['reward', 'kl', 'phases'].map("
                    + "c => document.getElementById('chart-' + c).getAttribute('data-points'));");
    assertThat(counts.get(1)).isEqualTo(counts.get(0));
    assertThat(counts.get(2)).isEqualTo(counts.get(0));
    assertThat(browser.findElement(By.id("run-step")).getText()).endsWith("/ " + STEPS);
    shot("03-run-live");
  }

  @Test
  @Order(5)
  void pauseHoldsTheRunAndResumeFinishesIt() throws Exception {
    browser.findElement(By.id("pause")).click();
    await().until(d -> state(d).equals("PAUSED"));
    JsonNode paused = awaitRun(r -> r.get("state").asString().equals("PAUSED"));
    assertThat(paused.get("currentStep").asInt()).isLessThan(STEPS);
    awaitLedger("SELECT lease_owner IS NULL FROM run WHERE id = '" + runId + "'", "t");
    int at = get("/api/v1/runs/" + runId).get("currentStep").asInt();
    await().until(d -> stepShown(d) == at);
    assertThat(browser.findElement(By.id("resume")).isEnabled()).isTrue();
    assertThat(browser.findElement(By.id("pause")).isEnabled()).isFalse();
    Thread.sleep(3000);
    assertThat(stepShown(browser)).as("a paused run does not move").isEqualTo(at);
    shot("04-paused");

    browser.findElement(By.id("resume")).click();
    await(Duration.ofMinutes(3)).until(d -> state(d).equals("SUCCEEDED"));
    assertThat(stepShown(browser)).isEqualTo(STEPS);
    await().until(d -> points("reward") == STEPS);
    // the held-out evaluations: after setup (step 0) and at the end
    await().until(d -> points("eval") == 2);
    assertThat(browser.findElement(By.id("pause")).isEnabled()).isFalse();
    assertThat(browser.findElement(By.id("cancel")).isEnabled()).isFalse();
    shot("05-run-done");
  }

  @Test
  @Order(6)
  void aStepsSamplesShowPromptCompletionAndEveryRulesStatusAndScore() throws Exception {
    WebElement step = browser.findElement(By.id("samples-step"));
    step.clear();
    step.sendKeys("1");
    browser.findElement(By.id("samples-load")).click();
    await().until(d -> d.findElements(By.cssSelector("#samples-list .sample")).size() == 16);
    JsonNode api = get("/api/v1/runs/" + runId + "/samples?step=1&size=24");
    assertThat(browser.findElement(By.id("samples-page")).getText())
        .isEqualTo("step 1: 16 samples, page 1 of 1");
    WebElement first = browser.findElements(By.cssSelector("#samples-list .sample")).get(0);
    JsonNode sample = api.get("samples").get(0);
    assertThat(first.getAttribute("data-completion"))
        .isEqualTo(sample.get("completionId").asString());
    assertThat(first.findElement(By.cssSelector("pre.completion")).getAttribute("textContent"))
        .isEqualTo(sample.get("text").asString());
    assertThat(first.findElement(By.cssSelector("pre.prompt")).getAttribute("textContent"))
        .isEqualTo(sample.get("prompt").asString());
    List<WebElement> rules = first.findElements(By.cssSelector(".rewards tbody tr"));
    assertThat(rules)
        .extracting(r -> r.getAttribute("data-rule"))
        .containsExactly("format", "math_accuracy");
    for (int i = 0; i < rules.size(); i++) {
      JsonNode reward = sample.get("rewards").get(i);
      assertThat(rules.get(i).findElement(By.cssSelector(".status")).getText())
          .isEqualTo(reward.get("status").asString());
      String score =
          reward.get("score").isNull()
              ? "–"
              : String.format(java.util.Locale.ROOT, "%.2f", reward.get("score").asDouble());
      assertThat(rules.get(i).findElement(By.cssSelector(".score")).getText()).isEqualTo(score);
    }
    // the answer marking, run by the page's own script in the browser: the verifier's
    // prediction inside the answer block, else the block, else the last \boxed{}
    assertThat(
            js(
                "return Samples.answerSpan(arguments[0], [{details: {prediction: '42'}}]);",
                "<think>42? no</think><answer> = 42 </answer>"))
        .isEqualTo(List.of(32L, 34L));
    assertThat(js("return Samples.answerSpan(arguments[0], []);", "<answer>\n17\n</answer>"))
        .isEqualTo(List.of(9L, 11L));
    assertThat(js("return Samples.answerSpan(arguments[0], []);", "so \\boxed{\\frac{1}{2}}."))
        .isEqualTo(List.of(10L, 21L));
    assertThat(js("return Samples.answerSpan(arguments[0], []);", "no answer")).isNull();
    js("document.getElementById('samples').scrollIntoView();");
    shot("06-samples");
  }

  @Test
  @Order(7)
  void theRunsListShowsStateStepRewardAndAccuracyFilteredByState() throws Exception {
    browser.get(trainer + "/console/");
    new Select(visible(By.id("state-filter"))).selectByValue("SUCCEEDED");
    // the list refreshes every 5 s: read the row's cells in one go, once its eval is in
    By row = By.cssSelector("#runs tr[data-run='" + runId + "']");
    List<String> cells =
        await()
            .until(
                d -> {
                  List<String> texts =
                      d.findElement(row).findElements(By.tagName("td")).stream()
                          .map(WebElement::getText)
                          .toList();
                  return texts.get(4).contains("@ step") ? texts : null;
                });
    JsonNode last = get("/api/v1/runs/" + runId + "/steps?from=" + (STEPS - 1)).get("steps").get(0);
    assertThat(cells.subList(0, 5))
        .containsExactly(
            "console-run",
            "SUCCEEDED",
            STEPS + " / " + STEPS,
            String.format(
                java.util.Locale.ROOT,
                "%.3f ± %.3f",
                last.get("metrics").get("reward_mean").asDouble(),
                last.get("metrics").get("reward_std").asDouble()),
            String.format(
                java.util.Locale.ROOT,
                "%.3f @ step %d",
                get("/api/v1/runs/" + runId + "/evals")
                    .get("evals")
                    .get(1)
                    .get("metrics")
                    .get("accuracy")
                    .asDouble(),
                STEPS));
    assertThat(browser.getCurrentUrl()).endsWith("?state=SUCCEEDED");
    shot("07-runs");

    new Select(browser.findElement(By.id("state-filter"))).selectByValue("FAILED");
    await().until(d -> d.findElement(By.id("runs-empty")).isDisplayed());
    assertThat(browser.findElements(By.cssSelector("#runs tbody tr"))).isEmpty();
  }

  @Test
  @Order(8)
  void anUnknownRunIdIsSaidInWords() throws Exception {
    String unknown = UUID.randomUUID().toString();
    browser.get(trainer + "/console/run.html?id=" + unknown);
    await()
        .until(
            d ->
                d.findElement(By.id("message"))
                    .getText()
                    .startsWith("There is no run with the id " + unknown));
    shot("08-unknown-run");
    browser.get(trainer + "/console/run.html?id=not-a-run");
    await().until(d -> d.findElement(By.id("message")).getText().contains("is not a run id"));
    assertThat(pageText()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  @Order(9)
  void aRunDeletedWhileItsPageIsOpenIsSaidInWords() throws Exception {
    // two runs held paused: this one, and the one the last test watches (paused together, they
    // cost one wait for the trainer to let go of whichever it claimed)
    String doomed = createPaused("console-doomed");
    idleRun = createPaused("console-idle");
    awaitLedger(
        "SELECT bool_and(lease_owner IS NULL) FROM run WHERE id IN ('"
            + doomed
            + "', '"
            + idleRun
            + "')",
        "t");
    browser.get(trainer + "/console/run.html?id=" + doomed);
    await().until(d -> d.findElement(By.id("run-live")).getText().equals("connected"));

    update("DELETE FROM run WHERE id = '" + doomed + "'");
    // the event stream ends with the run, and the page asks for the run before reconnecting
    await()
        .until(
            d ->
                d.findElement(By.id("message"))
                    .getText()
                    .startsWith("This run no longer exists: it was deleted while the page"));
    assertThat(browser.findElement(By.id("run-live")).getText()).isEqualTo("stopped");
    assertThat(state(browser)).isEqualTo("DELETED");
    assertThat(browser.findElement(By.id("cancel")).isEnabled()).isFalse();
    assertThat(pageText()).doesNotContain("Exception");
    shot("09-run-deleted");
  }

  @Test
  @Order(10)
  void theKeyIsInNoUrlTheBrowserAskedForNorInTheTrainersLog() throws Exception {
    browser.get(trainer + "/console/run.html?id=" + runId);
    await().until(d -> d.findElement(By.id("run-live")).getText().equals("run over"));
    @SuppressWarnings("unchecked")
    List<String> urls =
        (List<String>)
            js(
                "return performance.getEntriesByType('resource').map(e => e.name)"
                    + ".concat([location.href]);");
    assertThat(urls).isNotEmpty().noneMatch(u -> u.contains(KEY));
    assertThat(Files.readString(state.resolve("logs").resolve("trainer-service.log")))
        .doesNotContain(KEY);
  }

  @Test
  @Order(11)
  void aSweepCreatedInTheConsoleIsComparedPointByPoint() throws Exception {
    browser.get(trainer + "/console/new.html");
    visible(By.cssSelector("input[name=kind][value=sweep]")).click();
    String base =
        VALID_SPEC
            .replace("\"steps\": " + STEPS, "\"steps\": 2")
            .replace("\"checkpointEvery\": 30", "\"checkpointEvery\": 2")
            .replace("\"name\": \"console-run\",", "");
    String sweep =
        "{\"name\": \"console-sweep\", \"base\": " + base + ", \"grid\": {\"beta\": [0.0, 0.04]}}";
    js("arguments[0].value = arguments[1];", browser.findElement(By.id("spec")), sweep);
    browser.findElement(By.id("create")).click();
    await().until(d -> d.getCurrentUrl().contains("/console/sweep.html?id="));
    await(Duration.ofMinutes(2))
        .until(
            d ->
                d.findElements(By.cssSelector("#sweep-runs tbody tr .state")).stream()
                        .filter(e -> e.getText().equals("SUCCEEDED"))
                        .count()
                    == 2);
    await().until(d -> d.findElements(By.cssSelector("#sweep-runs tr.best")).size() == 1);
    assertThat(browser.findElement(By.id("sweep-best")).getText())
        .startsWith("Best by eval_accuracy: console-sweep/beta=");
    assertThat(browser.findElements(By.cssSelector("#sweep-runs thead th")))
        .extracting(WebElement::getText)
        .containsExactly(
            "run",
            "beta",
            "state",
            "step",
            "reward_mean",
            "reward_std",
            "kl",
            "eval_accuracy",
            "eval_format_rate");
    shot("10-sweep");
  }

  /**
   * A run that fails while its page is open: its data file vanishes between creation and the
   * trainer's first claim, so the run fails at once with the reason, which the page shows.
   */
  @Test
  @Order(12)
  void aRunThatFailsWhileItsPageIsOpenSaysWhy() throws Exception {
    Path data = state.resolve("data").resolve("console-vanishing.jsonl");
    Files.createDirectories(data.getParent());
    Files.writeString(
        data,
        "{\"prompt\": \"What is 2 + 3?\", \"answer\": \"5\"}\n"
            + "{\"prompt\": \"What is 4 + 4?\", \"answer\": \"8\"}\n");
    String spec =
        VALID_SPEC
            .replace("console-run", "console-fails")
            .replace(
                "{\"source\": \"generator\", \"generatorSize\": 64, \"evalFraction\": 0.1}",
                "{\"source\": \"jsonl\", \"path\": \"" + data + "\", \"evalFraction\": 0.0}");
    String doomed = post("/api/v1/runs", spec, 201).get("id").asString();
    post("/api/v1/runs/" + doomed + "/pause", "", 200);
    awaitLedger("SELECT lease_owner IS NULL FROM run WHERE id = '" + doomed + "'", "t");
    browser.get(trainer + "/console/run.html?id=" + doomed);
    await().until(d -> d.findElement(By.id("run-live")).getText().equals("connected"));
    assertThat(state(browser)).isEqualTo("PAUSED");

    Files.delete(data);
    post("/api/v1/runs/" + doomed + "/resume", "", 200);
    await(Duration.ofMinutes(1))
        .until(
            d ->
                d.findElement(By.id("message"))
                    .getText()
                    .equals(
                        "The run failed while this page was open; the reason is below its state."));
    await().until(d -> state(d).equals("FAILED"));
    // the reason the ledger recorded, in words (said once), and nothing of a stack trace
    String reason = query("SELECT error FROM run WHERE id = '" + doomed + "'");
    assertThat(reason).startsWith("cannot read ").endsWith("console-vanishing.jsonl");
    await()
        .until(
            d -> d.findElement(By.id("run-error")).getText().equals("The run failed: " + reason));
    assertThat(pageText()).doesNotContain("Exception").doesNotContain("\tat ");
    assertThat(browser.findElement(By.id("run-live")).getText()).isEqualTo("run over");
    assertThat(browser.findElement(By.id("pause")).isEnabled()).isFalse();
    assertThat(browser.findElement(By.id("resume")).isEnabled()).isFalse();
    shot("11-run-failed");
  }

  /**
   * Last, since it kills the trainer: the stream drops under an open page, which says so and keeps
   * retrying; when the trainer is back, the page reconnects by itself and clears the message.
   */
  @Test
  @Order(13)
  void aDroppedStreamIsSaidRetriedAndResumedWhenTheTrainerIsBack() throws Exception {
    browser.get(trainer + "/console/run.html?id=" + idleRun);
    await().until(d -> d.findElement(By.id("run-live")).getText().equals("connected"));
    stack.kill("trainer-service");
    await().until(d -> d.findElement(By.id("run-live")).getText().equals("reconnecting"));
    assertThat(browser.findElement(By.id("message")).getText())
        .startsWith("Live updates were interrupted (")
        .endsWith("); reconnecting every 2 s.");
    // a retry that finds nobody says so too, and the page keeps what it showed
    await()
        .until(
            d ->
                d.findElement(By.id("message"))
                    .getText()
                    .contains("cannot be reached. Is it running?); reconnecting every 2 s."));
    assertThat(state(browser)).isEqualTo("PAUSED");
    assertThat(pageText()).doesNotContain("Exception");
    shot("12-stream-dropped");

    stack.restart("trainer-service");
    await(Duration.ofMinutes(1))
        .until(d -> d.findElement(By.id("run-live")).getText().equals("connected"));
    await().until(d -> d.findElement(By.id("message")).getText().isEmpty());
    assertThat(state(browser)).isEqualTo("PAUSED");
    shot("13-stream-back");
  }

  private static String createPaused(String name) throws Exception {
    String id =
        post("/api/v1/runs", VALID_SPEC.replace("console-run", name), 201).get("id").asString();
    post("/api/v1/runs/" + id + "/pause", "", 200);
    return id;
  }

  private static int stepShown(WebDriver d) {
    String text = d.findElement(By.id("run-step")).getText();
    return text.isEmpty() ? -1 : Integer.parseInt(text.substring(0, text.indexOf(' ')));
  }

  private static String state(WebDriver d) {
    return d.findElement(By.id("run-state")).getText();
  }

  private static int points(String chart) {
    String n = browser.findElement(By.id("chart-" + chart)).getAttribute("data-points");
    return n == null ? 0 : Integer.parseInt(n);
  }

  private static String pageText() {
    return browser.findElement(By.tagName("body")).getText();
  }

  private static WebElement visible(By by) {
    return await().until(ExpectedConditions.visibilityOfElementLocated(by));
  }

  private static WebDriverWait await() {
    return await(Duration.ofSeconds(30));
  }

  private static WebDriverWait await(Duration timeout) {
    WebDriverWait wait = new WebDriverWait(browser, timeout, Duration.ofMillis(200));
    wait.withMessage(() -> "page text:\n" + pageText());
    // pages that refresh replace their rows: look again
    wait.ignoring(StaleElementReferenceException.class);
    return wait;
  }

  private static Object js(String script, Object... args) {
    return ((JavascriptExecutor) browser).executeScript(script, args);
  }

  private static void shot(String name) throws IOException {
    Path file = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(file, SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
  }

  private static JsonNode awaitRun(java.util.function.Predicate<JsonNode> done) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    JsonNode r = get("/api/v1/runs/" + runId);
    while (!done.test(r) && System.nanoTime() < deadline) {
      Thread.sleep(300);
      r = get("/api/v1/runs/" + runId);
    }
    assertThat(done.test(r)).as(r.toString()).isTrue();
    return r;
  }

  private static void awaitLedger(String sql, String expected) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (System.nanoTime() < deadline) {
      if (expected.equals(query(sql))) {
        return;
      }
      Thread.sleep(300);
    }
    throw new AssertionError(sql + " never gave " + expected);
  }

  private static Connection connect() throws SQLException {
    return DriverManager.getConnection(
        "jdbc:postgresql://localhost:" + pgPort + "/postgres", "postgres", "postgres");
  }

  private static String query(String sql) throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement();
        var rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static void update(String sql) throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      assertThat(s.executeUpdate(sql)).isEqualTo(1);
    }
  }

  private static JsonNode get(String path) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(trainer + path))
                .header("Authorization", "Bearer " + KEY)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private static JsonNode post(String path, String body, int expected) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(trainer + path))
                .header("Authorization", "Bearer " + KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(expected);
    return JSON.readTree(r.body());
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
