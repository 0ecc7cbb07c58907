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
 * The deployment files cannot run here (no Docker engine, no cluster), so this test reads them and
 * checks that they agree with each other and with the services: names, ports, labels, selectors,
 * probes and references.
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

  private static List<Map<String, Object>> k8sDocuments() throws IOException {
    List<Map<String, Object>> docs = new ArrayList<>();
    try (Stream<Path> files = Files.list(ROOT.resolve("k8s"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        for (Object doc : new Yaml().loadAll(Files.readString(f))) {
          if (doc != null) {
            docs.add(map(doc));
          }
        }
      }
    }
    return docs;
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

  @Test
  void kubernetesSelectorsPortsProbesAndReferencesAgree() throws IOException {
    List<Map<String, Object>> docs = k8sDocuments();
    Map<String, Map<String, Object>> services = new HashMap<>();
    Map<String, Map<String, Object>> workloads = new HashMap<>();
    Map<String, Set<String>> configMaps = new HashMap<>();
    Map<String, Set<String>> secrets = new HashMap<>();
    for (Map<String, Object> d : docs) {
      Map<String, Object> meta = map(d.get("metadata"));
      String name = (String) meta.get("name");
      if (!"Namespace".equals(d.get("kind"))) {
        assertThat(meta.get("namespace")).as(d.get("kind") + " " + name).isEqualTo("grpo");
      }
      switch ((String) d.get("kind")) {
        case "Service" -> services.put(name, d);
        case "Deployment", "StatefulSet" -> workloads.put(name, d);
        case "ConfigMap" -> configMaps.put(name, map(d.get("data")).keySet());
        case "Secret" -> secrets.put(name, map(d.get("stringData")).keySet());
        default -> {}
      }
    }
    assertThat(workloads)
        .containsKeys("postgres", "trainer-service", "rollout-service", "reward-service");

    for (var w : workloads.entrySet()) {
      Map<String, Object> spec = map(w.getValue().get("spec"));
      Map<String, Object> selector = map(map(spec.get("selector")).get("matchLabels"));
      Map<String, Object> template = map(spec.get("template"));
      Map<String, Object> podLabels = map(map(template.get("metadata")).get("labels"));
      assertThat(podLabels)
          .as(w.getKey() + " pod labels match its selector")
          .containsAllEntriesOf(selector);

      Map<String, Object> service = services.get(w.getKey());
      assertThat(service).as("a Service for " + w.getKey()).isNotNull();
      Map<String, Object> serviceSpec = map(service.get("spec"));
      assertThat(podLabels).containsAllEntriesOf(map(serviceSpec.get("selector")));

      Map<String, Object> container = map(list(map(template.get("spec")).get("containers")).get(0));
      Map<String, Integer> containerPorts = new HashMap<>();
      for (Object p : list(container.get("ports"))) {
        containerPorts.put((String) map(p).get("name"), (Integer) map(p).get("containerPort"));
      }
      for (Object p : list(serviceSpec.get("ports"))) {
        Object target = map(p).get("targetPort");
        assertThat(containerPorts)
            .as(w.getKey() + " service targetPort")
            .containsKey((String) target);
        assertThat(map(p).get("port")).isEqualTo(containerPorts.get((String) target));
      }
      assertThat(map(map(container.get("resources")).get("requests")))
          .containsKeys("cpu", "memory");
      assertThat(container).containsKeys("readinessProbe", "livenessProbe");

      if (PORTS.containsKey(w.getKey())) {
        int port = PORTS.get(w.getKey());
        assertThat(containerPorts).containsEntry("http", port);
        assertThat(map(map(container.get("readinessProbe")).get("httpGet")).get("path"))
            .isEqualTo("/actuator/health/readiness");
        assertThat(map(map(container.get("livenessProbe")).get("httpGet")).get("path"))
            .isEqualTo("/actuator/health/liveness");
        assertThat(map(map(container.get("readinessProbe")).get("httpGet")).get("port"))
            .isEqualTo("http");
        Map<String, Object> env = new HashMap<>();
        for (Object e : list(container.get("env"))) {
          env.put((String) map(e).get("name"), map(e).get("value"));
        }
        assertThat(env).containsEntry("SERVER_PORT", Integer.toString(port));
        Map<String, Object> annotations = map(map(template.get("metadata")).get("annotations"));
        assertThat(annotations).containsEntry("prometheus.io/port", Integer.toString(port));
        Map<String, Object> podSecurity = map(map(template.get("spec")).get("securityContext"));
        if (w.getKey().equals("reward-service")) {
          // root in the container so the sandbox can move each run to its own uid; nothing more
          Map<String, Object> caps = map(map(container.get("securityContext")).get("capabilities"));
          assertThat(list(caps.get("drop"))).containsExactly("ALL");
          assertThat(list(caps.get("add")))
              .contains("SETUID", "SETGID")
              .doesNotContain("SYS_ADMIN");
          assertThat(map(container.get("securityContext")))
              .containsEntry("allowPrivilegeEscalation", false);
        } else {
          assertThat(podSecurity).containsEntry("runAsNonRoot", true);
        }
      }
      for (Object ref : list(container.get("envFrom"))) {
        Map<String, Object> r = map(ref);
        if (r.containsKey("configMapRef")) {
          assertThat(configMaps).containsKey((String) map(r.get("configMapRef")).get("name"));
        }
        if (r.containsKey("secretRef")) {
          assertThat(secrets).containsKey((String) map(r.get("secretRef")).get("name"));
        }
      }
      for (Object e : list(container.get("env"))) {
        Map<String, Object> valueFrom = map(map(e).getOrDefault("valueFrom", Map.of()));
        if (valueFrom.containsKey("configMapKeyRef")) {
          Map<String, Object> ref = map(valueFrom.get("configMapKeyRef"));
          assertThat(configMaps.get((String) ref.get("name"))).contains((String) ref.get("key"));
        }
        if (valueFrom.containsKey("secretKeyRef")) {
          Map<String, Object> ref = map(valueFrom.get("secretKeyRef"));
          assertThat(secrets.get((String) ref.get("name"))).contains((String) ref.get("key"));
        }
      }
    }

    // every URL in the config points at a Service on the port that Service exposes
    Map<String, Object> config =
        docs.stream()
            .filter(d -> "ConfigMap".equals(d.get("kind")))
            .map(d -> map(d.get("data")))
            .findFirst()
            .orElseThrow();
    Pattern hostPort = Pattern.compile("//([a-z0-9-]+):(\\d+)");
    Set<String> checked = new HashSet<>();
    for (var e : config.entrySet()) {
      Matcher m = hostPort.matcher(String.valueOf(e.getValue()));
      if (m.find()) {
        Map<String, Object> service = services.get(m.group(1));
        assertThat(service).as(e.getKey() + " names a Service").isNotNull();
        List<Object> ports = list(map(service.get("spec")).get("ports"));
        assertThat(ports.stream().map(p -> map(p).get("port")))
            .as(e.getKey())
            .contains(Integer.parseInt(m.group(2)));
        checked.add(e.getKey());
      }
    }
    assertThat(checked)
        .contains("GRPO_DB_URL", "GRPO_TRAINER_URL", "GRPO_ROLLOUT_URL", "GRPO_REWARD_URL");
    // the services read the keys the manifests provide
    String application =
        Files.readString(ROOT.resolve("trainer-service/src/main/resources/application.yml"));
    for (String key : List.of("GRPO_DB_URL", "GRPO_DB_USER", "GRPO_DB_PASSWORD", "GRPO_API_KEY")) {
      assertThat(application).contains("${" + key);
      assertThat(
              configMaps.get("grpo-config").contains(key)
                  || secrets.get("grpo-secrets").contains(key))
          .as(key + " is provided")
          .isTrue();
    }
  }
}
