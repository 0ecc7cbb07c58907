package dev.grpo.trainer.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every script and stylesheet a console page names is in the jar (the chart library's webjar
 * included, so a version bump that moves it fails here), and no page sends the key anywhere but a
 * header.
 */
class ConsoleResourcesTest {

  private static final List<String> PAGES =
      List.of("index.html", "run.html", "new.html", "sweep.html");
  private static final Pattern REFERENCE = Pattern.compile("(?:src|href)=\"([^\"#?]+)\"");

  private static String read(String resource) throws IOException {
    try (InputStream in = ConsoleResourcesTest.class.getResourceAsStream(resource)) {
      assertThat(in).as(resource).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void everyFileAPageNamesIsServedFromTheJar() throws IOException {
    List<String> checked = new ArrayList<>();
    for (String page : PAGES) {
      Matcher m = REFERENCE.matcher(read("/static/console/" + page));
      while (m.find()) {
        String target = m.group(1);
        if (target.equals("./") || target.endsWith(".html")) {
          continue;
        }
        String resource =
            target.startsWith("/webjars/")
                ? "/META-INF/resources" + target
                : "/static/console/" + target;
        read(resource);
        checked.add(target);
      }
    }
    assertThat(checked)
        .contains(
            "console.js",
            "console.css",
            "charts.js",
            "/webjars/uplot/1.6.30/dist/uPlot.iife.min.js",
            "/webjars/uplot/1.6.30/dist/uPlot.min.css");
  }

  @Test
  void theKeyTravelsOnlyInTheAuthorizationHeader() throws IOException {
    String script = read("/static/console/console.js");
    assertThat(script).contains("sessionStorage").contains("Authorization: 'Bearer '");
    assertThat(script).doesNotContain("localStorage").doesNotContain("api_key");
    assertThat(script).doesNotContain("new EventSource");
  }
}
