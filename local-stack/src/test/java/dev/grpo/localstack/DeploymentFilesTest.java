package dev.grpo.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The deployment files cannot run here (no Docker engine), so this test reads them and checks that
 * they agree with each other and with the services: names, ports, images, scrape targets and
 * references. The Kubernetes manifests have their own test, {@link KubernetesManifestsTest}.
 */
class DeploymentFilesTest {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Map<String, Integer> PORTS =
      Map.of("trainer-service", 8081, "rollout-service", 8082, "reward-service", 8083);

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object o) {
    return o == null ? List.of() : (List<Object>) o;
  }

  private static Map<String, Object> yaml(String path) throws IOException {
    return map(new Yaml().load(Files.readString(ROOT.resolve(path))));
  }

  @Test
  void eachServiceListensOnTheSamePortEverywhere() throws IOException {
    Map<String, Object> compose = map(yaml("docker-compose.yml").get("services"));
    for (var e : PORTS.entrySet()) {
      String name = e.getKey();
      int port = e.getValue();
      Map<String, Object> app = yaml(name + "/src/main/resources/application.yml");
      assertThat(map(app.get("server")).get("port")).as(name + " application.yml").isEqualTo(port);

      Map<String, Object> svc = map(compose.get(name));
      assertThat(svc.get("build")).isEqualTo("./" + name);
      assertThat(map(svc.get("environment")).get("SERVER_PORT")).isEqualTo(Integer.toString(port));
      assertThat(list(svc.get("ports"))).containsExactly(port + ":" + port);

      String dockerfile = Files.readString(ROOT.resolve(name).resolve("Dockerfile"));
      assertThat(dockerfile).contains("EXPOSE " + port);
      assertThat(dockerfile).contains("COPY target/" + name + ".jar application.jar");
      assertThat(dockerfile).containsPattern("(?m)^FROM eclipse-temurin:25-j(re|dk)");
      assertThat(dockerfile).contains("-Djarmode=tools").contains("--layers");
      if (name.equals("reward-service")) {
        // the sandbox switches each run to its own uid, so the service keeps root in its
        // container and says why
        assertThat(dockerfile).doesNotContainPattern("(?m)^USER ").contains("setpriv");
      } else {
        assertThat(dockerfile).containsPattern("(?m)^USER 10001");
      }
      String pom = Files.readString(ROOT.resolve(name).resolve("pom.xml"));
      assertThat(pom).contains("<finalName>${project.artifactId}</finalName>");
    }
  }

  @Test
  void prometheusScrapesEveryServiceAndGrafanaReadsPrometheus() throws IOException {
    Map<String, Object> compose = map(yaml("docker-compose.yml").get("services"));
    Map<String, String> targets = new HashMap<>();
    for (Object job : list(yaml("deploy/prometheus/prometheus.yml").get("scrape_configs"))) {
      Map<String, Object> j = map(job);
      assertThat(j.get("metrics_path")).isEqualTo("/actuator/prometheus");
      String target =
          (String) list(map(list(j.get("static_configs")).get(0)).get("targets")).get(0);
      targets.put((String) j.get("job_name"), target);
    }
    for (var e : PORTS.entrySet()) {
      assertThat(targets).containsEntry(e.getKey(), e.getKey() + ":" + e.getValue());
      assertThat(compose).containsKey(e.getKey());
    }
    Map<String, Object> prometheus = map(compose.get("prometheus"));
    assertThat(list(prometheus.get("volumes")))
        .contains("./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro");
    assertThat(list(prometheus.get("ports"))).contains("9090:9090");

    Map<String, Object> datasource =
        map(
            list(yaml("deploy/grafana/provisioning/datasources/prometheus.yml").get("datasources"))
                .get(0));
    assertThat(datasource.get("url")).isEqualTo("http://prometheus:9090");
    assertThat(list(map(compose.get("grafana")).get("volumes")))
        .contains("./deploy/grafana/provisioning:/etc/grafana/provisioning:ro");
  }

  @Test
  void grafanaProvisionsEveryDashboardWithTheProvisionedDatasource() throws IOException {
    Map<String, Object> compose = map(yaml("docker-compose.yml").get("services"));
    Map<String, Object> provider =
        map(list(yaml("deploy/grafana/provisioning/dashboards/grpo.yml").get("providers")).get(0));
    String path = (String) map(provider.get("options")).get("path");
    assertThat(list(map(compose.get("grafana")).get("volumes")))
        .as("the provider reads the directory compose mounts the dashboards at")
        .contains("./deploy/grafana/dashboards:" + path + ":ro");
    String datasourceUid =
        (String)
            map(list(yaml("deploy/grafana/provisioning/datasources/prometheus.yml")
                        .get("datasources"))
                    .get(0))
                .get("uid");

    Set<String> uids = new HashSet<>();
    List<Path> files;
    try (Stream<Path> dir = Files.list(ROOT.resolve("deploy/grafana/dashboards"))) {
      files = dir.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    assertThat(files.stream().map(p -> p.getFileName().toString()))
        .containsExactly("grpo-training.json");
    for (Path file : files) {
      // JSON is YAML: snakeyaml reads the dashboard
      Map<String, Object> dashboard = map(new Yaml().load(Files.readString(file)));
      assertThat(uids.add((String) dashboard.get("uid"))).as(file + " uid is unique").isTrue();
      List<Map<String, Object>> datasources = new ArrayList<>();
      List<String> exprs = new ArrayList<>();
      walk(dashboard, datasources, exprs);
      assertThat(datasources).as(file + " names its datasource").isNotEmpty();
      assertThat(datasources)
          .as(file + ": every datasource is the provisioned one, by uid")
          .allSatisfy(
              d ->
                  assertThat(d)
                      .containsEntry("type", "prometheus")
                      .containsEntry("uid", datasourceUid));
      assertThat(exprs).isNotEmpty();
    }
  }

  @Test
  void everyTrainerQueryOfTheTrainingDashboardIsFilteredByTheRunVariable() throws IOException {
    Map<String, Object> dashboard =
        map(
            new Yaml()
                .load(
                    Files.readString(
                        ROOT.resolve("deploy/grafana/dashboards/grpo-training.json"))));
    Map<String, Object> run =
        list(map(dashboard.get("templating")).get("list")).stream()
            .map(DeploymentFilesTest::map)
            .filter(v -> "run".equals(v.get("name")))
            .findFirst()
            .orElseThrow();
    assertThat(map(run.get("query")).get("query")).isEqualTo("label_values(grpo_step, run)");
    List<String> exprs = new ArrayList<>();
    walk(dashboard, new ArrayList<>(), exprs);
    Pattern trainerSelector = Pattern.compile("\\bgrpo_[a-z_]+(\\{[^}]*})?");
    int selectors = 0;
    for (String expr : exprs) {
      Matcher m = trainerSelector.matcher(expr);
      while (m.find()) {
        if (m.group().startsWith("grpo_pipeline_") || m.group().startsWith("grpo_stage_")) {
          // the Pipelines row: stage runs of every kind, which $run (GRPO runs) does not list
          continue;
        }
        selectors++;
        assertThat(m.group(1)).as(expr).isNotNull().contains("run=~\"$run\"");
      }
    }
    assertThat(selectors).isGreaterThan(20);
  }

  /** Collects every datasource object and every PromQL expression of a dashboard. */
  private static void walk(Object node, List<Map<String, Object>> datasources, List<String> exprs) {
    if (node instanceof Map<?, ?> m) {
      for (var e : m.entrySet()) {
        if (e.getKey().equals("datasource") && e.getValue() instanceof Map<?, ?> d) {
          datasources.add(map(d));
        } else if (e.getKey().equals("expr") && e.getValue() instanceof String s) {
          exprs.add(s);
        } else {
          walk(e.getValue(), datasources, exprs);
        }
      }
    } else if (node instanceof List<?> l) {
      l.forEach(o -> walk(o, datasources, exprs));
    }
  }

  @Test
  void composeServicesReachPostgresByItsServiceName() throws IOException {
    Map<String, Object> root = yaml("docker-compose.yml");
    Map<String, Object> compose = map(root.get("services"));
    Map<String, Object> pg = map(compose.get("postgres"));
    String db = (String) map(pg.get("environment")).get("POSTGRES_DB");
    for (String name : PORTS.keySet()) {
      Map<String, Object> env = map(map(compose.get(name)).get("environment"));
      assertThat(env.get("GRPO_DB_URL")).isEqualTo("jdbc:postgresql://postgres:5432/" + db);
      assertThat(env).containsKey("GRPO_API_KEY");
      assertThat(map(map(compose.get(name)).get("depends_on"))).containsKey("postgres");
    }
  }
}
