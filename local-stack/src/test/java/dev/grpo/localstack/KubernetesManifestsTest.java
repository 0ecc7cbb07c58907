package dev.grpo.localstack;

import static dev.grpo.localstack.KubernetesManifests.at;
import static dev.grpo.localstack.KubernetesManifests.container;
import static dev.grpo.localstack.KubernetesManifests.env;
import static dev.grpo.localstack.KubernetesManifests.envValue;
import static dev.grpo.localstack.KubernetesManifests.flags;
import static dev.grpo.localstack.KubernetesManifests.list;
import static dev.grpo.localstack.KubernetesManifests.map;
import static dev.grpo.localstack.KubernetesManifests.mountAt;
import static dev.grpo.localstack.KubernetesManifests.name;
import static dev.grpo.localstack.KubernetesManifests.podLabels;
import static dev.grpo.localstack.KubernetesManifests.podSpec;
import static dev.grpo.localstack.KubernetesManifests.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Named.named;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

/**
 * There is no cluster here, so this test reads {@code k8s/} and checks that the manifests agree
 * with each other (selectors, ports, references, autoscalers, policies, monitors) and with the
 * services' own sources (the variables their application.yml needs, the rollout service's property
 * names). {@link ManifestChecker} reports every disagreement; the tests below also fix the
 * cluster's shape in concrete values and plant one mistake at a time in a fresh copy of the
 * manifests to show that the checker reports it.
 */
class KubernetesManifestsTest {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Map<String, Integer> PORTS =
      Map.of("trainer-service", 8081, "rollout-service", 8082, "reward-service", 8083);

  private static KubernetesManifests manifests() throws IOException {
    return KubernetesManifests.load(ROOT.resolve("k8s"));
  }

  private static ServiceSources sources() throws IOException {
    return ServiceSources.read(ROOT);
  }

  @Test
  void theManifestsAgreeWithEachOtherAndWithTheServices() throws IOException {
    assertThat(ManifestChecker.problems(manifests(), sources())).isEmpty();
  }

  @Test
  void theClusterHasTheseObjects() throws IOException {
    Map<String, List<String>> byKind = new TreeMap<>();
    for (Map<String, Object> d : manifests().documents()) {
      byKind.computeIfAbsent((String) d.get("kind"), k -> new ArrayList<>()).add(name(d));
    }
    assertThat(byKind)
        .containsOnlyKeys(
            "Namespace",
            "ConfigMap",
            "Secret",
            "PersistentVolumeClaim",
            "Service",
            "StatefulSet",
            "Deployment",
            "HorizontalPodAutoscaler",
            "NetworkPolicy",
            "ServiceMonitor",
            "PrometheusRule");
    assertThat(byKind.get("StatefulSet")).containsExactlyInAnyOrder("postgres", "vllm");
    assertThat(byKind.get("Deployment"))
        .containsExactlyInAnyOrder(
            "trainer-service", "rollout-service", "reward-service", "sandbox-worker");
    assertThat(byKind.get("Service"))
        .containsExactlyInAnyOrder(
            "postgres",
            "vllm",
            "trainer-service",
            "rollout-service",
            "reward-service",
            "sandbox-worker");
    assertThat(byKind.get("ConfigMap")).containsExactlyInAnyOrder("grpo-config", "rollout-config");
    assertThat(byKind.get("Secret")).containsExactlyInAnyOrder("grpo-secrets", "huggingface");
    assertThat(byKind.get("HorizontalPodAutoscaler"))
        .containsExactlyInAnyOrder("reward-service", "sandbox-worker");
    assertThat(byKind.get("ServiceMonitor")).containsExactlyInAnyOrder("grpo-services", "vllm");
    assertThat(byKind.get("PrometheusRule")).containsExactly("grpo-alerts");
  }

  @Test
  void theServicesListenWhereTheirServicesProbesAndAnnotationsSay() throws IOException {
    KubernetesManifests k8s = manifests();
    for (var e : PORTS.entrySet()) {
      Map<String, Object> w = k8s.get("Deployment", e.getKey());
      Map<String, Object> c = container(w, e.getKey());
      int port = e.getValue();
      assertThat(KubernetesManifests.portNumber(c, "http")).isEqualTo(port);
      assertThat(envValue(c, "SERVER_PORT")).isEqualTo(Integer.toString(port));
      assertThat(at(c, "readinessProbe", "httpGet"))
          .containsEntry("path", "/actuator/health/readiness")
          .containsEntry("port", "http");
      assertThat(at(c, "livenessProbe", "httpGet"))
          .containsEntry("path", "/actuator/health/liveness")
          .containsEntry("port", "http");
      assertThat(at(c, "startupProbe", "httpGet"))
          .containsEntry("path", "/actuator/health/liveness");
      assertThat(at(KubernetesManifests.podTemplate(w), "metadata", "annotations"))
          .containsEntry("prometheus.io/port", Integer.toString(port))
          .containsEntry("prometheus.io/path", "/actuator/prometheus");
      Map<String, Object> service = k8s.get("Service", e.getKey());
      assertThat(map(list(spec(service).get("ports")).get(0)))
          .containsEntry("name", "http")
          .containsEntry("port", port);
      if (e.getKey().equals("reward-service")) {
        // root in the container so the sandbox can move each run to its own uid; nothing more
        Map<String, Object> caps = at(c, "securityContext", "capabilities");
        assertThat(list(caps.get("drop"))).containsExactly("ALL");
        assertThat(list(caps.get("add")))
            .containsExactlyInAnyOrder(
                "CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "SETGID", "SETUID");
        assertThat(at(c, "securityContext")).containsEntry("allowPrivilegeEscalation", false);
      } else {
        assertThat(at(podSpec(w), "securityContext")).containsEntry("runAsNonRoot", true);
      }
    }
  }

  @Test
  void theLedgerServicesGetTheSharedSettingsAndTheUrlsNameServices() throws IOException {
    KubernetesManifests k8s = manifests();
    ServiceSources sources = sources();
    // what a cluster must set, read from the application.ymls: no default or a localhost one
    for (String module : ServiceSources.MODULES) {
      List<String> required = new java.util.ArrayList<>(List.of("GRPO_API_KEY", "GRPO_DB_URL"));
      if (module.equals("trainer-service")) {
        // the orchestrator calls the other two services
        required.addAll(List.of("GRPO_ROLLOUT_URL", "GRPO_REWARD_URL"));
      }
      assertThat(sources.requiredEnv().get(module))
          .as(module)
          .containsExactlyInAnyOrderElementsOf(required);
      // and the ledger credentials, which have a laptop default but must match PostgreSQL's
      assertThat(Files.readString(ROOT.resolve(module + "/src/main/resources/application.yml")))
          .contains("${GRPO_DB_USER:", "${GRPO_DB_PASSWORD:");
    }
    Map<String, Object> config = map(k8s.get("ConfigMap", "grpo-config").get("data"));
    assertThat(config)
        .containsEntry("GRPO_DB_URL", "jdbc:postgresql://postgres:5432/grpo")
        .containsEntry("GRPO_DB_USER", "grpo")
        .containsEntry("GRPO_TRAINER_URL", "http://trainer-service:8081")
        .containsEntry("GRPO_ROLLOUT_URL", "http://rollout-service:8082")
        .containsEntry("GRPO_REWARD_URL", "http://reward-service:8083");
    assertThat(k8s.keys("Secret", "grpo-secrets"))
        .containsExactlyInAnyOrder("GRPO_API_KEY", "GRPO_API_READ_KEY", "GRPO_DB_PASSWORD");
    for (String name : PORTS.keySet()) {
      Map<String, Object> c = container(k8s.get("Deployment", name), name);
      assertThat(list(c.get("envFrom")))
          .containsExactlyInAnyOrder(
              Map.of("configMapRef", Map.of("name", "grpo-config")),
              Map.of("secretRef", Map.of("name", "grpo-secrets")));
      assertThat(env(c)).doesNotContainKeys("GRPO_DB_URL", "GRPO_DB_PASSWORD", "GRPO_API_KEY");
    }
    Map<String, Object> postgres = container(k8s.get("StatefulSet", "postgres"), "postgres");
    assertThat(at(env(postgres).get("POSTGRES_PASSWORD"), "valueFrom", "secretKeyRef"))
        .containsEntry("name", "grpo-secrets")
        .containsEntry("key", "GRPO_DB_PASSWORD");
    assertThat(envValue(postgres, "POSTGRES_DB")).isEqualTo("grpo");
  }

  @Test
  void whatTheServicesReadIsTakenFromTheirSources() throws IOException {
    assertThat(
            ServiceSources.requiredPlaceholders(
                """
                a: ${GRPO_A}
                b: ${GRPO_B:}
                c: ${GRPO_C:jdbc:postgresql://localhost:5432/x}
                d: ${GRPO_D:fine}
                e: ${OTHER_E}
                """))
        .containsExactly("GRPO_A", "GRPO_B", "GRPO_C");
    ServiceSources sources = sources();
    assertThat(sources.rolloutProperties())
        .containsExactly(
            "api-key",
            "request-timeout",
            "max-completions-per-request",
            "default-backend",
            "backends");
    assertThat(sources.rolloutBackendProperties())
        .contains("name", "type", "endpoints", "model", "max-concurrency-per-endpoint")
        .contains("timeout", "lora-adapter", "reload-hook-url", "initial-policy-version")
        .contains("full-weight-sync", "vllm-served-path", "lora-api")
        .hasSize(17);
  }

  @Test
  void vllmServesTheRolloutBackendFromGpuNodesWithStablePodNames() throws IOException {
    KubernetesManifests k8s = manifests();
    Map<String, Object> vllm = k8s.get("StatefulSet", "vllm");
    Map<String, Object> server = container(vllm, "vllm");
    assertThat((String) server.get("image")).matches("vllm/vllm-openai:v\\d+\\.\\d+\\.\\d+");
    Map<String, String> flags = flags(list(server.get("args")));
    assertThat(flags)
        .containsEntry("--model", "Qwen/Qwen2.5-1.5B-Instruct")
        .containsEntry("--served-model-name", "Qwen/Qwen2.5-1.5B-Instruct")
        .containsEntry("--port", "8000")
        .containsEntry("--logprobs-mode", "processed_logprobs")
        .containsKey("--enable-lora");
    assertThat(at(server, "resources", "limits")).containsEntry("nvidia.com/gpu", 1);
    assertThat(map(podSpec(vllm).get("nodeSelector")))
        .containsEntry("nvidia.com/gpu.present", "true");
    assertThat(list(podSpec(vllm).get("tolerations")))
        .contains(Map.of("key", "nvidia.com/gpu", "operator", "Exists", "effect", "NoSchedule"));
    assertThat(at(server, "readinessProbe", "httpGet"))
        .containsEntry("path", "/health")
        .containsEntry("port", "http");
    assertThat(KubernetesManifests.portNumber(server, "http")).isEqualTo(8000);
    assertThat(name(map(list(spec(vllm).get("volumeClaimTemplates")).get(0))))
        .isEqualTo("model-cache");
    assertThat(mountAt(server, "/models")).containsEntry("name", "model-cache");

    Map<String, Object> service = k8s.get("Service", "vllm");
    assertThat(spec(service)).containsEntry("clusterIP", "None");
    assertThat(spec(vllm)).containsEntry("serviceName", "vllm").containsEntry("replicas", 2);

    // the rollout service's config names every pod by its stable DNS name
    Map<String, Object> rollout = k8s.get("Deployment", "rollout-service");
    Map<String, Object> rc = container(rollout, "rollout-service");
    assertThat(envValue(rc, "SPRING_CONFIG_ADDITIONAL_LOCATION")).isEqualTo("file:/config/");
    Map<String, Object> mount = mountAt(rc, "/config");
    assertThat(KubernetesManifests.volume(podSpec(rollout), (String) mount.get("name")))
        .containsEntry("configMap", Map.of("name", "rollout-config"));
    Map<String, Object> yml =
        map(
            new Yaml()
                .load(
                    (String)
                        map(k8s.get("ConfigMap", "rollout-config").get("data"))
                            .get("application.yml")));
    Map<String, Object> props = at(yml, "grpo", "rollout");
    assertThat(props).containsEntry("default-backend", "vllm");
    Map<String, Object> backend = map(list(props.get("backends")).get(0));
    assertThat(backend)
        .containsEntry("name", "vllm")
        .containsEntry("type", "openai")
        .containsEntry("model", flags.get("--served-model-name"))
        .containsEntry("lora-adapter", "policy")
        .containsEntry("endpoints", List.of("http://vllm-0.vllm:8000", "http://vllm-1.vllm:8000"));
  }

  @Test
  void theTrainerRunsAloneOnAGpuNodeAndSharesItsCheckpointsThroughAReadWriteManyVolume()
      throws IOException {
    KubernetesManifests k8s = manifests();
    Map<String, Object> trainer = k8s.get("Deployment", "trainer-service");
    assertThat(spec(trainer)).containsEntry("replicas", 1);
    assertThat(at(spec(trainer), "strategy")).containsEntry("type", "Recreate");
    Map<String, Object> tc = container(trainer, "trainer-service");
    assertThat(at(tc, "resources", "limits")).containsEntry("nvidia.com/gpu", 1);
    assertThat(list(podSpec(trainer).get("tolerations")))
        .contains(Map.of("key", "nvidia.com/gpu", "operator", "Exists", "effect", "NoSchedule"));
    assertThat(map(podSpec(trainer).get("nodeSelector")))
        .containsEntry("nvidia.com/gpu.present", "true");

    assertThat(list(spec(k8s.get("PersistentVolumeClaim", "grpo-data")).get("accessModes")))
        .containsExactly("ReadWriteMany");
    Map<String, String> readers = new LinkedHashMap<>();
    for (String name : List.of("trainer-service", "rollout-service")) {
      Map<String, Object> w = k8s.get("Deployment", name);
      Map<String, Object> c = container(w, name);
      assertThat(envValue(c, "GRPO_DATA_DIR")).as(name).isEqualTo("/data");
      assertThat(KubernetesManifests.claimMountedAt(w, c, "/data")).as(name).isEqualTo("grpo-data");
      readers.put(name, String.valueOf(mountAt(c, "/data").get("readOnly")));
    }
    // the trainer writes the checkpoints, the others only read them
    assertThat(readers)
        .containsEntry("trainer-service", "null")
        .containsEntry("rollout-service", "true");
    Map<String, Object> vllm = k8s.get("StatefulSet", "vllm");
    assertThat(KubernetesManifests.claimMountedAt(vllm, container(vllm, "vllm"), "/data"))
        .isEqualTo("grpo-data");
    assertThat(mountAt(container(vllm, "vllm"), "/data")).containsEntry("readOnly", true);

    // exactly the inference pods and the trainer take GPUs
    List<String> gpuWorkloads =
        k8s.workloads().stream()
            .filter(
                w ->
                    KubernetesManifests.allContainers(podSpec(w)).stream()
                        .anyMatch(c -> at(c, "resources", "limits").containsKey("nvidia.com/gpu")))
            .map(KubernetesManifests::name)
            .toList();
    assertThat(gpuWorkloads).containsExactlyInAnyOrder("vllm", "trainer-service");
  }

  @Test
  void theRewardServiceAndTheSandboxWorkersScaleOnCpu() throws IOException {
    KubernetesManifests k8s = manifests();
    Map<String, Object> hpa = k8s.get("HorizontalPodAutoscaler", "reward-service");
    assertThat(hpa).containsEntry("apiVersion", "autoscaling/v2");
    assertThat(at(spec(hpa), "scaleTargetRef"))
        .containsEntry("apiVersion", "apps/v1")
        .containsEntry("kind", "Deployment")
        .containsEntry("name", "reward-service");
    assertThat(spec(hpa)).containsEntry("minReplicas", 2).containsEntry("maxReplicas", 20);
    assertThat(at(map(list(spec(hpa).get("metrics")).get(0)), "resource"))
        .containsEntry("name", "cpu")
        .containsEntry("target", Map.of("type", "Utilization", "averageUtilization", 70));
    assertThat(spec(k8s.get("Deployment", "reward-service"))).doesNotContainKey("replicas");
    assertThat(at(spec(k8s.get("HorizontalPodAutoscaler", "sandbox-worker")), "scaleTargetRef"))
        .containsEntry("name", "sandbox-worker");
  }

  @Test
  void sandboxWorkersRunLockedDownAndCutOffFromTheNetwork() throws IOException {
    KubernetesManifests k8s = manifests();
    Map<String, Object> workers = k8s.get("Deployment", "sandbox-worker");
    assertThat(podLabels(workers))
        .containsEntry("app.kubernetes.io/component", "sandbox")
        .containsEntry("app.kubernetes.io/name", "sandbox-worker");
    // the reward service is not a sandbox workload: the egress ban would cut it off its ledger
    assertThat(podLabels(k8s.get("Deployment", "reward-service")))
        .doesNotContainKey("app.kubernetes.io/component");
    Map<String, Object> pod = podSpec(workers);
    assertThat(pod).containsEntry("automountServiceAccountToken", false);
    assertThat(at(pod, "securityContext", "seccompProfile"))
        .containsEntry("type", "RuntimeDefault");

    Map<String, Object> sandbox = container(workers, "sandbox");
    assertThat(sandbox.get("image"))
        .isEqualTo(
            container(k8s.get("Deployment", "reward-service"), "reward-service").get("image"));
    Map<String, Object> security = at(sandbox, "securityContext");
    assertThat(security)
        .containsEntry("readOnlyRootFilesystem", true)
        .containsEntry("allowPrivilegeEscalation", false)
        .containsEntry("runAsUser", 0)
        .containsEntry("seccompProfile", Map.of("type", "Unconfined"));
    assertThat(list(at(security, "capabilities").get("drop"))).containsExactly("ALL");
    assertThat(list(at(security, "capabilities").get("add")))
        .containsExactlyInAnyOrder("CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "SETGID", "SETUID");
    assertThat(at(sandbox, "resources", "limits")).containsEntry("cpu", "4");
    assertThat(envValue(sandbox, "GRPO_REWARD_SANDBOX_WORKERS")).isEqualTo("4");
    assertThat(mountAt(sandbox, "/tmp")).isNotNull();
    Map<String, Object> shm =
        KubernetesManifests.volume(pod, (String) mountAt(sandbox, "/dev/shm").get("name"));
    assertThat(at(shm, "emptyDir")).containsEntry("medium", "Memory");

    // the ledger is a scratch sidecar on localhost; the real one's password never gets here
    assertThat(sandbox).doesNotContainKey("envFrom");
    assertThat(envValue(sandbox, "GRPO_DB_URL")).isEqualTo("jdbc:postgresql://localhost:5432/grpo");
    assertThat(at(env(sandbox).get("GRPO_API_KEY"), "valueFrom", "secretKeyRef"))
        .containsEntry("name", "grpo-secrets")
        .containsEntry("key", "GRPO_API_KEY");
    Map<String, Object> ledger = container(workers, "scratch-ledger");
    assertThat(ledger).containsEntry("restartPolicy", "Always");
    assertThat(KubernetesManifests.portNumber(ledger, "postgres")).isEqualTo(5432);
    assertThat(list(ledger.get("args"))).contains("listen_addresses=localhost");
    assertThat(at(ledger, "securityContext"))
        .containsEntry("runAsNonRoot", true)
        .containsEntry("readOnlyRootFilesystem", true);

    Map<String, Object> policy = k8s.get("NetworkPolicy", "sandbox-worker");
    assertThat(at(spec(policy), "podSelector", "matchLabels"))
        .isEqualTo(Map.of("app.kubernetes.io/component", "sandbox"));
    assertThat(list(spec(policy).get("policyTypes"))).containsExactly("Ingress", "Egress");
    assertThat(spec(policy)).containsEntry("egress", List.of());
    assertThat(list(spec(policy).get("ingress")))
        .containsExactly(
            Map.of(
                "from",
                List.of(
                    Map.of(
                        "podSelector",
                        Map.of("matchLabels", Map.of("app.kubernetes.io/name", "reward-service")))),
                "ports",
                List.of(Map.of("protocol", "TCP", "port", 8083))));
  }

  @Test
  void prometheusOperatorScrapesTheThreeServices() throws IOException {
    KubernetesManifests k8s = manifests();
    Map<String, Object> monitor = k8s.get("ServiceMonitor", "grpo-services");
    assertThat(monitor).containsEntry("apiVersion", "monitoring.coreos.com/v1");
    Map<String, Object> labels = at(spec(monitor), "selector", "matchLabels");
    List<String> selected =
        k8s.all("Service").stream()
            .filter(s -> at(s, "metadata", "labels").entrySet().containsAll(labels.entrySet()))
            .map(KubernetesManifests::name)
            .toList();
    assertThat(selected)
        .containsExactlyInAnyOrder("trainer-service", "rollout-service", "reward-service");
    assertThat(list(spec(monitor).get("endpoints")))
        .containsExactly(Map.of("port", "http", "path", "/actuator/prometheus", "interval", "15s"));
  }

  @Test
  void noPodGetsAServiceAccountToken() throws IOException {
    for (Map<String, Object> w : manifests().workloads()) {
      assertThat(podSpec(w)).as(name(w)).containsEntry("automountServiceAccountToken", false);
    }
  }

  // ---- planted mistakes: each must be reported

  // Over 80 lines on purpose: a table: one row per manifest mistake the checker must catch; rows,
  // not logic.
  static Stream<Arguments> mistakes() {
    return Stream.of(
        mistake(
            "a Service selector that matches no pods",
            m ->
                at(spec(m.get("Service", "reward-service")), "selector")
                    .put("app.kubernetes.io/name", "reward"),
            "Service/reward-service: selects no workload's pods"),
        mistake(
            "a Service selector that matches several workloads",
            m ->
                spec(m.get("Service", "reward-service"))
                    .put("selector", mutable(Map.of("app.kubernetes.io/part-of", "grpo"))),
            "Service/reward-service: selects the pods of 6 workloads"),
        mistake(
            "a targetPort the pods do not declare",
            m -> firstPort(m.get("Service", "trainer-service")).put("targetPort", "web"),
            "Service/trainer-service: targetPort web is not a port of Deployment/trainer-service"),
        mistake(
            "a Service port that is not the container port",
            m -> firstPort(m.get("Service", "vllm")).put("port", 8001),
            "Service/vllm: port 8001 forwards to container port 8000"),
        mistake(
            "a configMapKeyRef to a key the ConfigMap lacks",
            m ->
                at(
                        env(container(m.workload("postgres"), "postgres")).get("POSTGRES_USER"),
                        "valueFrom",
                        "configMapKeyRef")
                    .put("key", "GRPO_DB_USERNAME"),
            "StatefulSet/postgres: configMapKeyRef grpo-config/GRPO_DB_USERNAME"),
        mistake(
            "a secretKeyRef to a key the Secret lacks",
            m ->
                at(
                        env(container(m.workload("sandbox-worker"), "sandbox")).get("GRPO_API_KEY"),
                        "valueFrom",
                        "secretKeyRef")
                    .put("key", "GRPO_APIKEY"),
            "Deployment/sandbox-worker: secretKeyRef grpo-secrets/GRPO_APIKEY"),
        mistake(
            "an envFrom Secret that does not exist",
            m ->
                at(
                        map(
                            list(container(m.workload("trainer-service"), "trainer-service")
                                    .get("envFrom"))
                                .get(1)),
                        "secretRef")
                    .put("name", "grpo-secret"),
            "Deployment/trainer-service: envFrom names Secret grpo-secret"),
        mistake(
            "a volume from a ConfigMap that does not exist",
            m ->
                at(
                        KubernetesManifests.volume(
                            podSpec(m.workload("rollout-service")), "rollout-config"),
                        "configMap")
                    .put("name", "rollout-conf"),
            "Deployment/rollout-service: volume names ConfigMap rollout-conf"),
        mistake(
            "a claim that does not exist",
            m ->
                at(
                        KubernetesManifests.volume(podSpec(m.workload("vllm")), "grpo-data"),
                        "persistentVolumeClaim")
                    .put("claimName", "grpo-date"),
            "StatefulSet/vllm: volume grpo-data claims PersistentVolumeClaim grpo-date"),
        mistake(
            "a mount of an undeclared volume",
            m ->
                mountAt(container(m.workload("trainer-service"), "trainer-service"), "/data")
                    .put("name", "data"),
            "Deployment/trainer-service: container trainer-service mounts undeclared volume data"),
        mistake(
            "an autoscaler for a Deployment that does not exist",
            m ->
                at(spec(m.get("HorizontalPodAutoscaler", "reward-service")), "scaleTargetRef")
                    .put("name", "reward"),
            "HorizontalPodAutoscaler/reward-service: scales Deployment reward"),
        mistake(
            "replicas on a Deployment an autoscaler owns",
            m -> spec(m.workload("reward-service")).put("replicas", 2),
            "Deployment/reward-service: sets replicas although HorizontalPodAutoscaler/reward-service"),
        mistake(
            "a container without the CPU request its autoscaler divides by",
            m ->
                at(
                        container(m.workload("sandbox-worker"), "scratch-ledger"),
                        "resources",
                        "requests")
                    .remove("cpu"),
            "HorizontalPodAutoscaler/sandbox-worker: scales on cpu but container scratch-ledger"),
        mistake(
            "an egress rule for the sandbox workers (DNS)",
            m ->
                spec(m.get("NetworkPolicy", "sandbox-worker"))
                    .put(
                        "egress",
                        mutableList(
                            Map.of("ports", List.of(Map.of("protocol", "UDP", "port", 53))))),
            "NetworkPolicy/sandbox-worker: has egress rules"),
        mistake(
            "a policy without Egress in its policyTypes",
            m ->
                spec(m.get("NetworkPolicy", "sandbox-worker"))
                    .put("policyTypes", mutableList("Ingress")),
            "NetworkPolicy/sandbox-worker: policyTypes [Ingress] leave out Ingress or Egress"),
        mistake(
            "a policy that also selects the reward service",
            m ->
                at(spec(m.get("NetworkPolicy", "sandbox-worker")), "podSelector")
                    .put("matchLabels", mutable(Map.of("grpo.dev/code-sandbox", "true"))),
            "NetworkPolicy/sandbox-worker: denies all egress to Deployment/reward-service"),
        mistake(
            "an ingress rule from pods that do not exist",
            m ->
                at(
                        map(
                            list(map(list(spec(m.get("NetworkPolicy", "sandbox-worker"))
                                            .get("ingress"))
                                        .get(0))
                                    .get("from"))
                                .get(0)),
                        "podSelector",
                        "matchLabels")
                    .put("app.kubernetes.io/name", "reward"),
            "NetworkPolicy/sandbox-worker: lets in pods labelled {app.kubernetes.io/name=reward}"),
        mistake(
            "an ingress port the sandbox does not listen on",
            m ->
                map(list(map(list(spec(m.get("NetworkPolicy", "sandbox-worker")).get("ingress"))
                                .get(0))
                            .get("ports"))
                        .get(0))
                    .put("port", 8080),
            "NetworkPolicy/sandbox-worker: lets traffic in on port 8080"),
        mistake(
            "sandbox workers without their NetworkPolicy",
            m -> m.documents().remove(m.get("NetworkPolicy", "sandbox-worker")),
            "Deployment/sandbox-worker: sandbox pods are not selected by a NetworkPolicy that denies all egress"),
        mistake(
            "a writable root filesystem in the sandbox",
            m ->
                at(container(m.workload("sandbox-worker"), "sandbox"), "securityContext")
                    .put("readOnlyRootFilesystem", false),
            "Deployment/sandbox-worker: sandbox pod container sandbox is not readOnlyRootFilesystem"),
        mistake(
            "a sandbox pod container that keeps its capabilities",
            m ->
                at(
                        container(m.workload("sandbox-worker"), "scratch-ledger"),
                        "securityContext",
                        "capabilities")
                    .remove("drop"),
            "Deployment/sandbox-worker: sandbox pod container scratch-ledger does not drop ALL capabilities"),
        mistake(
            "CAP_SYS_ADMIN for the sandbox",
            m ->
                list(at(
                            container(m.workload("sandbox-worker"), "sandbox"),
                            "securityContext",
                            "capabilities")
                        .get("add"))
                    .add("SYS_ADMIN"),
            "Deployment/sandbox-worker: sandbox pod container sandbox adds SYS_ADMIN"),
        mistake(
            "a sandbox without a writable /tmp",
            m ->
                list(container(m.workload("sandbox-worker"), "sandbox").get("volumeMounts"))
                    .remove(mountAt(container(m.workload("sandbox-worker"), "sandbox"), "/tmp")),
            "Deployment/sandbox-worker: sandbox pod container sandbox has no emptyDir at /tmp"),
        mistake(
            "the ledger password in a sandbox pod",
            m ->
                container(m.workload("sandbox-worker"), "sandbox")
                    .put(
                        "envFrom",
                        mutableList(Map.of("secretRef", Map.of("name", "grpo-secrets")))),
            "Deployment/sandbox-worker: sandbox pod container sandbox is given the ledger password"),
        mistake(
            "a service account token in a sandbox pod",
            m -> podSpec(m.workload("sandbox-worker")).put("automountServiceAccountToken", true),
            "Deployment/sandbox-worker: sandbox pod mounts a service account token"),
        mistake(
            "a probe on a port the container does not declare",
            m ->
                at(container(m.workload("vllm"), "vllm"), "readinessProbe", "httpGet")
                    .put("port", 8080),
            "StatefulSet/vllm: container vllm readinessProbe port 8080 is not one of its ports"),
        mistake(
            "a container without a liveness probe",
            m ->
                container(m.workload("rollout-service"), "rollout-service").remove("livenessProbe"),
            "Deployment/rollout-service: container rollout-service has no livenessProbe"),
        mistake(
            "a container without a memory request",
            m ->
                at(
                        container(m.workload("reward-service"), "reward-service"),
                        "resources",
                        "requests")
                    .remove("memory"),
            "Deployment/reward-service: container reward-service requests [cpu], not cpu and memory"),
        mistake(
            "a GPU pod that does not tolerate the GPU taint",
            m -> podSpec(m.workload("trainer-service")).remove("tolerations"),
            "Deployment/trainer-service: requests a GPU but does not tolerate the nvidia.com/gpu taint"),
        mistake(
            "a GPU pod that does not select GPU nodes",
            m -> podSpec(m.workload("vllm")).remove("nodeSelector"),
            "StatefulSet/vllm: requests a GPU but neither its nodeSelector nor its node affinity"),
        mistake(
            "a GPU request that differs from the limit",
            m ->
                at(
                        container(m.workload("trainer-service"), "trainer-service"),
                        "resources",
                        "requests")
                    .put("nvidia.com/gpu", 2),
            "Deployment/trainer-service: container trainer-service requests 2 nvidia.com/gpu but limits 1"),
        mistake(
            "a CPU-only pod on GPU nodes",
            m ->
                podSpec(m.workload("rollout-service"))
                    .put("tolerations", podSpec(m.workload("vllm")).get("tolerations")),
            "Deployment/rollout-service: goes to GPU nodes without requesting a GPU"),
        mistake(
            "a ServiceMonitor on a port name the Services lack",
            m ->
                map(list(spec(m.get("ServiceMonitor", "grpo-services")).get("endpoints")).get(0))
                    .put("port", "metrics"),
            "ServiceMonitor/grpo-services: scrapes port metrics, which Service/"),
        mistake(
            "a ServiceMonitor whose selector matches no Service",
            m ->
                at(spec(m.get("ServiceMonitor", "grpo-services")), "selector", "matchLabels")
                    .put("grpo.dev/scrape", "yes"),
            "ServiceMonitor/grpo-services: selects no Service"),
        mistake(
            "a vLLM pod the rollout config does not list",
            m -> spec(m.workload("vllm")).put("replicas", 3),
            "Deployment/rollout-service: backend vllm lists pods [0, 1] of StatefulSet/vllm, which runs 3"),
        mistake(
            "a rollout endpoint for a vLLM pod that no longer exists",
            m -> spec(m.workload("vllm")).put("replicas", 1),
            "vllm-1.vllm is not a pod of a StatefulSet governed by Service vllm"),
        mistake(
            "a rollout endpoint on the wrong port",
            m ->
                editConfig(
                    m, "rollout-config", "application.yml", "vllm-1.vllm:8000", "vllm-1.vllm:8001"),
            "Deployment/rollout-service: backend vllm endpoint http://vllm-1.vllm:8001: Service vllm has no port 8001"),
        mistake(
            "pod names behind a Service that is not headless",
            m -> spec(m.get("Service", "vllm")).remove("clusterIP"),
            "vllm-0.vllm is a pod name, but Service vllm is not headless"),
        mistake(
            "a StatefulSet whose serviceName is not its Service",
            m -> spec(m.workload("vllm")).put("serviceName", "vllm-headless"),
            "StatefulSet/vllm: serviceName vllm-headless is not a Service that selects its pods"),
        mistake(
            "a served model name the backend does not send",
            m -> {
              List<Object> args = list(container(m.workload("vllm"), "vllm").get("args"));
              args.set(args.indexOf("--served-model-name") + 1, "policy");
            },
            "Deployment/rollout-service: backend vllm sends model Qwen/Qwen2.5-1.5B-Instruct but StatefulSet/vllm serves policy"),
        mistake(
            "a misspelt backend property, which Spring would ignore",
            m -> editConfig(m, "rollout-config", "application.yml", "endpoints:", "endpoint:"),
            "Deployment/rollout-service: backend vllm sets unknown property endpoint"),
        mistake(
            "a misspelt rollout property",
            m ->
                editConfig(
                    m,
                    "rollout-config",
                    "application.yml",
                    "default-backend:",
                    "default-backends:"),
            "Deployment/rollout-service: mounted config sets unknown property grpo.rollout.default-backends"),
        mistake(
            "a default backend that is not configured",
            m ->
                editConfig(
                    m,
                    "rollout-config",
                    "application.yml",
                    "default-backend: vllm",
                    "default-backend: sglang"),
            "Deployment/rollout-service: default-backend sglang is not one of [vllm]"),
        mistake(
            "LoRA sync without --enable-lora",
            m -> list(container(m.workload("vllm"), "vllm").get("args")).remove("--enable-lora"),
            "StatefulSet/vllm: the rollout backend syncs by LoRA adapter but the server has no --enable-lora"),
        mistake(
            "LoRA sync without runtime adapter updates",
            m ->
                list(container(m.workload("vllm"), "vllm").get("env"))
                    .remove(
                        env(container(m.workload("vllm"), "vllm"))
                            .get("VLLM_ALLOW_RUNTIME_LORA_UPDATING")),
            "StatefulSet/vllm: the rollout backend loads LoRA adapters at run time but VLLM_ALLOW_RUNTIME_LORA_UPDATING is not True"),
        mistake(
            "vLLM pods that cannot read the trainer's checkpoints",
            m ->
                list(container(m.workload("vllm"), "vllm").get("volumeMounts"))
                    .remove(mountAt(container(m.workload("vllm"), "vllm"), "/data")),
            "StatefulSet/vllm: does not mount the trainer's checkpoints (claim grpo-data) at /data"),
        mistake(
            "vLLM log-probs taken before temperature",
            m -> {
              List<Object> args = list(container(m.workload("vllm"), "vllm").get("args"));
              args.remove(args.indexOf("--logprobs-mode") + 1);
              args.remove("--logprobs-mode");
            },
            "StatefulSet/vllm: is not started with --logprobs-mode processed_logprobs"),
        mistake(
            "a config location where no ConfigMap is mounted",
            m ->
                env(container(m.workload("rollout-service"), "rollout-service"))
                    .get("SPRING_CONFIG_ADDITIONAL_LOCATION")
                    .put("value", "file:/etc/grpo/"),
            "Deployment/rollout-service: SPRING_CONFIG_ADDITIONAL_LOCATION=file:/etc/grpo/ but no ConfigMap with application.yml is mounted at /etc/grpo/"),
        mistake(
            "a service URL on the wrong port",
            m ->
                map(m.get("ConfigMap", "grpo-config").get("data"))
                    .put("GRPO_REWARD_URL", "http://reward-service:8084"),
            "ConfigMap/grpo-config: GRPO_REWARD_URL: Service reward-service has no port 8084"),
        mistake(
            "a database URL naming no Service",
            m ->
                map(m.get("ConfigMap", "grpo-config").get("data"))
                    .put("GRPO_DB_URL", "jdbc:postgresql://postgresql:5432/grpo"),
            "ConfigMap/grpo-config: GRPO_DB_URL: postgresql names Service postgresql, which k8s/ does not define"),
        mistake(
            "a localhost URL nothing in the pod listens on",
            m ->
                env(container(m.workload("sandbox-worker"), "sandbox"))
                    .get("GRPO_DB_URL")
                    .put("value", "jdbc:postgresql://localhost:5433/grpo"),
            "Deployment/sandbox-worker: GRPO_DB_URL: nothing in the pod listens on localhost:5433"),
        mistake(
            "a service without the API key it cannot start without",
            m ->
                list(container(m.workload("reward-service"), "reward-service").get("envFrom"))
                    .remove(1),
            "Deployment/reward-service: container reward-service runs reward-service without GRPO_API_KEY"),
        mistake(
            "GRPO_DATA_DIR where no volume is mounted",
            m ->
                env(container(m.workload("trainer-service"), "trainer-service"))
                    .get("GRPO_DATA_DIR")
                    .put("value", "/checkpoints"),
            "Deployment/trainer-service: GRPO_DATA_DIR=/checkpoints but container trainer-service mounts no claim there"),
        mistake(
            "a shared claim that only one node can mount",
            m ->
                spec(m.get("PersistentVolumeClaim", "grpo-data"))
                    .put("accessModes", mutableList("ReadWriteOnce")),
            "PersistentVolumeClaim/grpo-data: is mounted by"),
        mistake(
            "an object in another namespace",
            m -> map(m.workload("trainer-service").get("metadata")).put("namespace", "default"),
            "Deployment/trainer-service: is in namespace default, not grpo"),
        mistake(
            "a Deployment whose selector misses its pods",
            m ->
                at(spec(m.workload("rollout-service")), "selector", "matchLabels")
                    .put("app.kubernetes.io/name", "rollout"),
            "Deployment/rollout-service: selector {app.kubernetes.io/name=rollout} does not match its pod labels"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("mistakes")
  void aPlantedMistakeIsReported(Consumer<KubernetesManifests> plant, String expected)
      throws IOException {
    KubernetesManifests k8s = manifests();
    plant.accept(k8s);
    assertThat(ManifestChecker.problems(k8s, sources()))
        .anySatisfy(p -> assertThat(p).contains(expected));
  }

  @Test
  void aNewPlaceholderWithoutADefaultNeedsAValueInTheManifests() throws IOException {
    ServiceSources sources = sources().withRequiredEnv("trainer-service", "GRPO_NEW_SETTING");
    assertThat(ManifestChecker.problems(manifests(), sources))
        .containsExactly(
            "Deployment/trainer-service: container trainer-service runs trainer-service without"
                + " GRPO_NEW_SETTING");
  }

  private static Arguments mistake(
      String description, Consumer<KubernetesManifests> plant, String expected) {
    return Arguments.of(named(description, plant), expected);
  }

  private static Map<String, Object> firstPort(Map<String, Object> service) {
    return map(list(spec(service).get("ports")).get(0));
  }

  private static void editConfig(
      KubernetesManifests k8s, String configMap, String key, String from, String to) {
    Map<String, Object> data = map(k8s.get("ConfigMap", configMap).get("data"));
    String text = (String) data.get(key);
    assertThat(text).contains(from);
    data.put(key, text.replace(from, to));
  }

  private static Map<String, Object> mutable(Map<String, ?> m) {
    return new LinkedHashMap<>(m);
  }

  private static List<Object> mutableList(Object... items) {
    return new ArrayList<>(List.of(items));
  }
}
