package dev.grpo.localstack;

import static dev.grpo.localstack.KubernetesManifests.allContainers;
import static dev.grpo.localstack.KubernetesManifests.at;
import static dev.grpo.localstack.KubernetesManifests.env;
import static dev.grpo.localstack.KubernetesManifests.envValue;
import static dev.grpo.localstack.KubernetesManifests.exposes;
import static dev.grpo.localstack.KubernetesManifests.flags;
import static dev.grpo.localstack.KubernetesManifests.id;
import static dev.grpo.localstack.KubernetesManifests.list;
import static dev.grpo.localstack.KubernetesManifests.longRunningContainers;
import static dev.grpo.localstack.KubernetesManifests.map;
import static dev.grpo.localstack.KubernetesManifests.mountAt;
import static dev.grpo.localstack.KubernetesManifests.name;
import static dev.grpo.localstack.KubernetesManifests.podLabels;
import static dev.grpo.localstack.KubernetesManifests.podSpec;
import static dev.grpo.localstack.KubernetesManifests.portNumber;
import static dev.grpo.localstack.KubernetesManifests.spec;
import static dev.grpo.localstack.KubernetesManifests.volume;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;

/**
 * Checks that the manifests agree with each other and with the services, and reports every
 * disagreement as one line, {@code <Kind>/<name>: <what is wrong>}. An empty list means they agree;
 * KubernetesManifestsTest also plants mistakes and checks that each one is reported.
 */
final class ManifestChecker {

  static final String GPU = "nvidia.com/gpu";
  static final String SANDBOX_LABEL = "app.kubernetes.io/component";
  static final String SANDBOX = "sandbox";
  private static final String IMAGE_PREFIX = "ghcr.io/grpo-platform/";
  private static final Pattern HOST_PORT = Pattern.compile("://([A-Za-z0-9.-]+):(\\d+)");

  private final KubernetesManifests k8s;
  private final ServiceSources sources;
  private final List<String> problems = new ArrayList<>();

  private ManifestChecker(KubernetesManifests k8s, ServiceSources sources) {
    this.k8s = k8s;
    this.sources = sources;
  }

  static List<String> problems(KubernetesManifests k8s, ServiceSources sources) {
    ManifestChecker checker = new ManifestChecker(k8s, sources);
    checker.checkAll();
    return List.copyOf(checker.problems);
  }

  private void checkAll() {
    namespaces();
    workloadSelectors();
    services();
    references();
    probesAndResources();
    autoscalers();
    gpuWorkloads();
    sandboxPods();
    networkPolicies();
    serviceMonitors();
    serviceEnvironment();
    urlsInConfig();
    sharedDataVolume();
    mountedSpringConfig();
  }

  private void problem(Map<String, Object> doc, String message) {
    problems.add(id(doc) + ": " + message);
  }

  private void namespaces() {
    for (Map<String, Object> d : k8s.documents()) {
      Object namespace = map(d.get("metadata")).get("namespace");
      if (!"Namespace".equals(d.get("kind")) && !KubernetesManifests.NAMESPACE.equals(namespace)) {
        problem(d, "is in namespace " + namespace + ", not " + KubernetesManifests.NAMESPACE);
      }
    }
  }

  private void workloadSelectors() {
    for (Map<String, Object> w : k8s.workloads()) {
      Map<String, Object> selector = at(spec(w), "selector", "matchLabels");
      if (selector.isEmpty() || !podLabels(w).entrySet().containsAll(selector.entrySet())) {
        problem(w, "selector " + selector + " does not match its pod labels " + podLabels(w));
      }
      if ("StatefulSet".equals(w.get("kind"))) {
        String serviceName = (String) spec(w).get("serviceName");
        Map<String, Object> service = k8s.find("Service", String.valueOf(serviceName));
        if (service == null
            || !k8s.workloadsSelectedBy(at(spec(service), "selector")).contains(w)) {
          problem(w, "serviceName " + serviceName + " is not a Service that selects its pods");
        }
      }
    }
  }

  /** Every Service selects the pods of exactly one workload, on ports those pods declare. */
  private void services() {
    for (Map<String, Object> s : k8s.all("Service")) {
      List<Map<String, Object>> selected = k8s.workloadsSelectedBy(at(spec(s), "selector"));
      if (selected.size() != 1) {
        problem(
            s,
            selected.isEmpty()
                ? "selects no workload's pods"
                : "selects the pods of "
                    + selected.size()
                    + " workloads "
                    + selected.stream().map(KubernetesManifests::name).toList()
                    + ", not one");
        continue;
      }
      Map<String, Object> workload = selected.get(0);
      for (Object p : list(spec(s).get("ports"))) {
        Map<String, Object> port = map(p);
        Object target = port.getOrDefault("targetPort", port.get("port"));
        Integer number =
            longRunningContainers(podSpec(workload)).stream()
                .map(c -> portNumber(c, target))
                .filter(Objects::nonNull)
                .findFirst()
                .orElse(null);
        if (number == null) {
          problem(
              s, "targetPort " + target + " is not a port of " + id(workload) + "'s containers");
        } else if (!number.equals(port.get("port"))) {
          problem(s, "port " + port.get("port") + " forwards to container port " + number);
        }
      }
    }
  }

  /** ConfigMaps, Secrets and volume claims named by pods exist and hold the keys named. */
  private void references() {
    for (Map<String, Object> w : k8s.workloads()) {
      Map<String, Object> pod = podSpec(w);
      Set<String> volumes = new TreeSet<>();
      for (Object v : list(pod.get("volumes"))) {
        Map<String, Object> volume = map(v);
        volumes.add((String) volume.get("name"));
        if (volume.containsKey("configMap")) {
          Map<String, Object> ref = map(volume.get("configMap"));
          requireObject(w, "ConfigMap", (String) ref.get("name"), ref, "volume");
          for (Object item : list(ref.get("items"))) {
            requireKey(
                w, "ConfigMap", (String) ref.get("name"), (String) map(item).get("key"), ref);
          }
        }
        if (volume.containsKey("secret")) {
          Map<String, Object> ref = map(volume.get("secret"));
          requireObject(w, "Secret", (String) ref.get("secretName"), ref, "volume");
        }
        if (volume.containsKey("persistentVolumeClaim")) {
          String claim = (String) map(volume.get("persistentVolumeClaim")).get("claimName");
          if (k8s.find("PersistentVolumeClaim", claim) == null) {
            problem(
                w,
                "volume "
                    + volume.get("name")
                    + " claims PersistentVolumeClaim "
                    + claim
                    + ", which k8s/ does not define");
          }
        }
      }
      for (Object t : list(spec(w).get("volumeClaimTemplates"))) {
        volumes.add(name(map(t)));
      }
      for (Map<String, Object> c : allContainers(pod)) {
        for (Object m : list(c.get("volumeMounts"))) {
          if (!volumes.contains((String) map(m).get("name"))) {
            problem(
                w,
                "container " + c.get("name") + " mounts undeclared volume " + map(m).get("name"));
          }
        }
        for (Object f : list(c.get("envFrom"))) {
          Map<String, Object> from = map(f);
          if (from.containsKey("configMapRef")) {
            Map<String, Object> ref = map(from.get("configMapRef"));
            requireObject(w, "ConfigMap", (String) ref.get("name"), ref, "envFrom");
          }
          if (from.containsKey("secretRef")) {
            Map<String, Object> ref = map(from.get("secretRef"));
            requireObject(w, "Secret", (String) ref.get("name"), ref, "envFrom");
          }
        }
        for (Map<String, Object> e : env(c).values()) {
          Map<String, Object> valueFrom = map(e.get("valueFrom"));
          if (valueFrom.containsKey("configMapKeyRef")) {
            Map<String, Object> ref = map(valueFrom.get("configMapKeyRef"));
            requireKey(w, "ConfigMap", (String) ref.get("name"), (String) ref.get("key"), ref);
          }
          if (valueFrom.containsKey("secretKeyRef")) {
            Map<String, Object> ref = map(valueFrom.get("secretKeyRef"));
            requireKey(w, "Secret", (String) ref.get("name"), (String) ref.get("key"), ref);
          }
        }
      }
    }
  }

  private void requireObject(
      Map<String, Object> w, String kind, String name, Map<String, Object> ref, String where) {
    if (k8s.find(kind, name) == null && !Boolean.TRUE.equals(ref.get("optional"))) {
      problem(w, where + " names " + kind + " " + name + ", which k8s/ does not define");
    }
  }

  private void requireKey(
      Map<String, Object> w, String kind, String name, String key, Map<String, Object> ref) {
    Set<String> keys = k8s.keys(kind, name);
    boolean optional = Boolean.TRUE.equals(ref.get("optional"));
    if (keys == null ? !optional : !keys.contains(key)) {
      String refKind = kind.equals("Secret") ? "secretKeyRef" : "configMapKeyRef";
      problem(w, refKind + " " + name + "/" + key + " names a key that k8s/ does not define");
    }
  }

  /** Liveness and readiness on a port the container declares; CPU and memory requests. */
  private void probesAndResources() {
    for (Map<String, Object> w : k8s.workloads()) {
      for (Map<String, Object> c : longRunningContainers(podSpec(w))) {
        String container = "container " + c.get("name");
        for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
          if (!c.containsKey(probe)) {
            if (!probe.equals("startupProbe")) {
              problem(w, container + " has no " + probe);
            }
            continue;
          }
          Map<String, Object> p = map(c.get(probe));
          for (String handler : List.of("httpGet", "tcpSocket", "grpc")) {
            if (p.containsKey(handler)) {
              Object port = map(p.get(handler)).get("port");
              if (!exposes(c, port)) {
                problem(w, container + " " + probe + " port " + port + " is not one of its ports");
              }
            }
          }
        }
        Map<String, Object> requests = at(c, "resources", "requests");
        if (!requests.containsKey("cpu") || !requests.containsKey("memory")) {
          problem(w, container + " requests " + requests.keySet() + ", not cpu and memory");
        }
        if (!at(c, "resources", "limits").containsKey("memory")) {
          problem(w, container + " has no memory limit");
        }
      }
    }
  }

  private void autoscalers() {
    for (Map<String, Object> hpa : k8s.all("HorizontalPodAutoscaler")) {
      if (!"autoscaling/v2".equals(hpa.get("apiVersion"))) {
        problem(hpa, "is " + hpa.get("apiVersion") + ", not autoscaling/v2");
      }
      Map<String, Object> ref = at(spec(hpa), "scaleTargetRef");
      Map<String, Object> target =
          k8s.find(String.valueOf(ref.get("kind")), String.valueOf(ref.get("name")));
      if (target == null || !"apps/v1".equals(ref.get("apiVersion"))) {
        problem(
            hpa,
            "scales "
                + ref.get("kind")
                + " "
                + ref.get("name")
                + " ("
                + ref.get("apiVersion")
                + "), which k8s/ does not define");
        continue;
      }
      int min = (Integer) spec(hpa).getOrDefault("minReplicas", 1);
      int max = (Integer) spec(hpa).get("maxReplicas");
      if (min < 1 || max < min) {
        problem(hpa, "replicas " + min + ".." + max);
      }
      if (spec(target).containsKey("replicas")) {
        problem(
            target,
            "sets replicas although HorizontalPodAutoscaler/" + name(hpa) + " owns the count");
      }
      // a utilization target is a share of the requests, so every container needs one
      for (Object m : list(spec(hpa).get("metrics"))) {
        String resource = (String) at(map(m), "resource").get("name");
        if (resource == null) {
          continue;
        }
        for (Map<String, Object> c : allContainers(podSpec(target))) {
          if (!at(c, "resources", "requests").containsKey(resource)) {
            problem(
                hpa,
                "scales on "
                    + resource
                    + " but container "
                    + c.get("name")
                    + " of "
                    + name(target)
                    + " requests none");
          }
        }
      }
    }
  }

  /** GPU pods ask for a whole GPU, tolerate the GPU taint and select GPU nodes; others don't. */
  private void gpuWorkloads() {
    for (Map<String, Object> w : k8s.workloads()) {
      Map<String, Object> pod = podSpec(w);
      boolean gpu = false;
      for (Map<String, Object> c : allContainers(pod)) {
        Object limit = at(c, "resources", "limits").get(GPU);
        Object request = at(c, "resources", "requests").get(GPU);
        if (limit == null && request == null) {
          continue;
        }
        gpu = true;
        if (limit == null || (request != null && !request.toString().equals(limit.toString()))) {
          problem(
              w,
              "container "
                  + c.get("name")
                  + " requests "
                  + request
                  + " "
                  + GPU
                  + " but limits "
                  + limit
                  + " (extended resources need requests = limits)");
        }
      }
      boolean tolerates =
          list(pod.get("tolerations")).stream()
              .map(KubernetesManifests::map)
              .anyMatch(
                  t ->
                      GPU.equals(t.get("key"))
                          && (t.get("effect") == null || "NoSchedule".equals(t.get("effect"))));
      boolean selectsGpuNodes =
          map(pod.get("nodeSelector")).keySet().stream().anyMatch(k -> k.startsWith(GPU))
              || nodeAffinityKeys(pod).stream().anyMatch(k -> k.startsWith(GPU));
      if (gpu && !tolerates) {
        problem(w, "requests a GPU but does not tolerate the " + GPU + " taint");
      }
      if (gpu && !selectsGpuNodes) {
        problem(
            w, "requests a GPU but neither its nodeSelector nor its node affinity names " + GPU);
      }
      if (!gpu && (tolerates || selectsGpuNodes)) {
        problem(w, "goes to GPU nodes without requesting a GPU");
      }
    }
  }

  private static List<String> nodeAffinityKeys(Map<String, Object> pod) {
    List<String> keys = new ArrayList<>();
    Map<String, Object> required =
        at(pod, "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution");
    for (Object term : list(required.get("nodeSelectorTerms"))) {
      for (Object e : list(map(term).get("matchExpressions"))) {
        keys.add((String) map(e).get("key"));
      }
    }
    return keys;
  }

  /**
   * Pods that run untrusted code: every container drops every capability (the sandbox container
   * adds back at most what the reward service's does, never SYS_ADMIN), cannot gain privileges,
   * runs on a read-only root with emptyDirs for /tmp and /dev/shm, gets no service account token
   * and never the ledger's password.
   */
  private void sandboxPods() {
    List<String> referenceCaps =
        k8s.find("Deployment", "reward-service") == null
            ? List.of()
            : list(
                    at(
                            KubernetesManifests.container(
                                k8s.workload("reward-service"), "reward-service"),
                            "securityContext",
                            "capabilities")
                        .get("add"))
                .stream()
                .map(String::valueOf)
                .toList();
    for (Map<String, Object> w : k8s.workloads()) {
      if (!SANDBOX.equals(podLabels(w).get(SANDBOX_LABEL))) {
        continue;
      }
      Map<String, Object> pod = podSpec(w);
      if (!Boolean.FALSE.equals(pod.get("automountServiceAccountToken"))) {
        problem(w, "sandbox pod mounts a service account token");
      }
      for (Map<String, Object> c : allContainers(pod)) {
        String container = "sandbox pod container " + c.get("name");
        Map<String, Object> security = map(c.get("securityContext"));
        Map<String, Object> caps = map(security.get("capabilities"));
        if (!list(caps.get("drop")).contains("ALL")) {
          problem(w, container + " does not drop ALL capabilities");
        }
        for (Object cap : list(caps.get("add"))) {
          if ("SYS_ADMIN".equals(cap) || !referenceCaps.contains(cap)) {
            problem(w, container + " adds " + cap + ", which the reward service does not need");
          }
        }
        if (!Boolean.TRUE.equals(security.get("readOnlyRootFilesystem"))) {
          problem(w, container + " is not readOnlyRootFilesystem");
        }
        if (!Boolean.FALSE.equals(security.get("allowPrivilegeEscalation"))) {
          problem(w, container + " allows privilege escalation");
        }
        if (!at(c, "resources", "limits").containsKey("cpu")
            || !at(c, "resources", "limits").containsKey("memory")) {
          problem(w, container + " has no cpu and memory limits");
        }
        if (String.valueOf(c.get("image")).startsWith(IMAGE_PREFIX + "reward-service:")) {
          for (String path : List.of("/tmp", "/dev/shm")) {
            Map<String, Object> mount = mountAt(c, path);
            Map<String, Object> volume =
                mount == null ? null : volume(pod, (String) mount.get("name"));
            if (volume == null || !volume.containsKey("emptyDir")) {
              problem(w, container + " has no emptyDir at " + path);
            }
          }
        }
        for (Map<String, Object> e : env(c).values()) {
          if ("GRPO_DB_PASSWORD".equals(at(e, "valueFrom", "secretKeyRef").get("key"))) {
            problem(w, container + " is given the ledger password");
          }
        }
        for (Object f : list(c.get("envFrom"))) {
          String secret = (String) at(map(f), "secretRef").get("name");
          Set<String> keys = secret == null ? null : k8s.keys("Secret", secret);
          if (keys != null && keys.contains("GRPO_DB_PASSWORD")) {
            problem(w, container + " is given the ledger password (envFrom " + secret + ")");
          }
        }
      }
      boolean isolated =
          k8s.all("NetworkPolicy").stream()
              .anyMatch(
                  np ->
                      k8s.workloadsSelectedBy(at(spec(np), "podSelector", "matchLabels"))
                              .contains(w)
                          && list(spec(np).get("policyTypes")).contains("Egress")
                          && list(spec(np).get("egress")).isEmpty());
      if (!isolated) {
        problem(w, "sandbox pods are not selected by a NetworkPolicy that denies all egress");
      }
    }
  }

  private void networkPolicies() {
    for (Map<String, Object> np : k8s.all("NetworkPolicy")) {
      List<Map<String, Object>> selected =
          k8s.workloadsSelectedBy(at(spec(np), "podSelector", "matchLabels"));
      if (selected.isEmpty()) {
        problem(np, "selects no workload's pods");
      }
      List<Object> types = list(spec(np).get("policyTypes"));
      if (!types.contains("Ingress") || !types.contains("Egress")) {
        problem(np, "policyTypes " + types + " leave out Ingress or Egress");
      }
      if (!list(spec(np).get("egress")).isEmpty()) {
        problem(np, "has egress rules; the pods it selects may open no connection");
      }
      // denying all egress cuts a pod off from its database and DNS: sandbox pods only
      for (Map<String, Object> w : selected) {
        if (!SANDBOX.equals(podLabels(w).get(SANDBOX_LABEL))) {
          problem(np, "denies all egress to " + id(w) + ", which is not a sandbox workload");
        }
      }
      for (Object rule : list(spec(np).get("ingress"))) {
        for (Object peer : list(map(rule).get("from"))) {
          Map<String, Object> labels = at(map(peer), "podSelector", "matchLabels");
          if (k8s.workloadsSelectedBy(labels).isEmpty()) {
            problem(np, "lets in pods labelled " + labels + ", which no workload has");
          }
        }
        if (list(map(rule).get("ports")).isEmpty()) {
          problem(np, "an ingress rule allows every port");
        }
        for (Object p : list(map(rule).get("ports"))) {
          Object port = map(p).get("port");
          for (Map<String, Object> w : selected) {
            if (longRunningContainers(podSpec(w)).stream().noneMatch(c -> exposes(c, port))) {
              problem(
                  np, "lets traffic in on port " + port + ", which " + id(w) + " does not declare");
            }
          }
        }
      }
    }
  }

  private void serviceMonitors() {
    for (Map<String, Object> sm : k8s.all("ServiceMonitor")) {
      Map<String, Object> labels = at(spec(sm), "selector", "matchLabels");
      List<Object> namespaces = list(at(spec(sm), "namespaceSelector").get("matchNames"));
      List<Map<String, Object>> matched =
          k8s.all("Service").stream()
              .filter(s -> !labels.isEmpty())
              .filter(s -> at(s, "metadata", "labels").entrySet().containsAll(labels.entrySet()))
              .filter(
                  s -> namespaces.isEmpty() || namespaces.contains(KubernetesManifests.NAMESPACE))
              .toList();
      if (matched.isEmpty()) {
        problem(sm, "selects no Service");
      }
      for (Object e : list(spec(sm).get("endpoints"))) {
        Object port = map(e).get("port");
        for (Map<String, Object> s : matched) {
          boolean named =
              list(spec(s).get("ports")).stream()
                  .anyMatch(p -> Objects.equals(port, map(p).get("name")));
          if (!named) {
            problem(sm, "scrapes port " + port + ", which " + id(s) + " does not name");
          }
        }
      }
    }
  }

  /** Every variable a service's application.yml needs is set in each pod that runs it. */
  private void serviceEnvironment() {
    for (Map<String, Object> w : k8s.workloads()) {
      for (Map<String, Object> c : allContainers(podSpec(w))) {
        String module = module(c);
        if (module == null || !sources.requiredEnv().containsKey(module)) {
          continue;
        }
        Set<String> available = availableEnv(c);
        for (String name : sources.requiredEnv().get(module)) {
          if (!available.contains(name)) {
            problem(w, "container " + c.get("name") + " runs " + module + " without " + name);
          }
        }
      }
    }
  }

  /** The service module a container runs, from its image, or null. */
  static String module(Map<String, Object> container) {
    String image = String.valueOf(container.get("image"));
    if (!image.startsWith(IMAGE_PREFIX)) {
      return null;
    }
    String rest = image.substring(IMAGE_PREFIX.length());
    return rest.contains(":") ? rest.substring(0, rest.indexOf(':')) : rest;
  }

  /** The names of the variables the container gets, from env and envFrom. */
  Set<String> availableEnv(Map<String, Object> container) {
    Set<String> names = new TreeSet<>(env(container).keySet());
    for (Object f : list(container.get("envFrom"))) {
      Map<String, Object> from = map(f);
      String prefix = String.valueOf(from.getOrDefault("prefix", ""));
      Set<String> keys =
          from.containsKey("configMapRef")
              ? k8s.keys("ConfigMap", (String) at(from, "configMapRef").get("name"))
              : k8s.keys("Secret", (String) at(from, "secretRef").get("name"));
      if (keys != null) {
        keys.forEach(k -> names.add(prefix + k));
      }
    }
    return names;
  }

  /**
   * Every URL in a ConfigMap value or a literal env value names something that answers there: a
   * Service and one of its ports, a StatefulSet pod by its stable name, or a container of the same
   * pod on localhost.
   */
  private void urlsInConfig() {
    for (Map<String, Object> cm : k8s.all("ConfigMap")) {
      for (Map.Entry<String, Object> e : map(cm.get("data")).entrySet()) {
        Matcher m = HOST_PORT.matcher(String.valueOf(e.getValue()));
        while (m.find()) {
          String problem = endpointProblem(m.group(1), Integer.parseInt(m.group(2)), null);
          if (problem != null) {
            problem(cm, e.getKey() + ": " + problem);
          }
        }
      }
    }
    for (Map<String, Object> w : k8s.workloads()) {
      for (Map<String, Object> c : allContainers(podSpec(w))) {
        for (Map<String, Object> e : env(c).values()) {
          Matcher m = HOST_PORT.matcher(String.valueOf(e.get("value")));
          while (m.find()) {
            String problem = endpointProblem(m.group(1), Integer.parseInt(m.group(2)), podSpec(w));
            if (problem != null) {
              problem(w, e.get("name") + ": " + problem);
            }
          }
        }
      }
    }
  }

  /** What is wrong with calling host:port from a pod (null: from anywhere), or null if nothing. */
  String endpointProblem(String host, int port, Map<String, Object> fromPod) {
    if (host.equals("localhost") || host.equals("127.0.0.1")) {
      boolean listening =
          fromPod != null
              && longRunningContainers(fromPod).stream().anyMatch(c -> exposes(c, port));
      return listening ? null : "nothing in the pod listens on " + host + ":" + port;
    }
    String local =
        host.replaceFirst(
            "\\." + KubernetesManifests.NAMESPACE + "(\\.svc(\\.cluster\\.local)?)?$", "");
    String[] parts = local.split("\\.");
    if (parts.length > 2) {
      return host + " is not a Service or StatefulSet pod name in " + KubernetesManifests.NAMESPACE;
    }
    String serviceName = parts[parts.length - 1];
    Map<String, Object> service = k8s.find("Service", serviceName);
    if (service == null) {
      return host + " names Service " + serviceName + ", which k8s/ does not define";
    }
    boolean hasPort =
        list(spec(service).get("ports")).stream()
            .anyMatch(p -> Objects.equals(port, map(p).get("port")));
    if (!hasPort) {
      return "Service " + serviceName + " has no port " + port;
    }
    if (parts.length == 2) {
      if (!"None".equals(spec(service).get("clusterIP"))) {
        return host + " is a pod name, but Service " + serviceName + " is not headless";
      }
      Map<String, Object> set = statefulSetForPod(parts[0], serviceName);
      if (set == null) {
        return host + " is not a pod of a StatefulSet governed by Service " + serviceName;
      }
    }
    return null;
  }

  /** The StatefulSet whose pod {@code <name>-<ordinal>} this is, if the ordinal exists. */
  private Map<String, Object> statefulSetForPod(String pod, String serviceName) {
    Matcher m = Pattern.compile("(.+)-(\\d+)").matcher(pod);
    if (!m.matches()) {
      return null;
    }
    Map<String, Object> set = k8s.find("StatefulSet", m.group(1));
    if (set == null || !serviceName.equals(spec(set).get("serviceName"))) {
      return null;
    }
    int replicas = (Integer) spec(set).getOrDefault("replicas", 1);
    return Integer.parseInt(m.group(2)) < replicas ? set : null;
  }

  /**
   * GRPO_DATA_DIR is where the pod mounts a claim; one claim mounted by several pods (or a scaled
   * workload) is ReadWriteMany.
   */
  private void sharedDataVolume() {
    Map<String, Integer> podsByClaim = new HashMap<>();
    for (Map<String, Object> w : k8s.workloads()) {
      for (Map<String, Object> c : allContainers(podSpec(w))) {
        String dataDir = envValue(c, "GRPO_DATA_DIR");
        if (env(c).containsKey("GRPO_DATA_DIR") && dataDir == null) {
          problem(w, "GRPO_DATA_DIR is not a literal path");
          continue;
        }
        if (dataDir != null && KubernetesManifests.claimMountedAt(w, c, dataDir) == null) {
          problem(
              w,
              "GRPO_DATA_DIR="
                  + dataDir
                  + " but container "
                  + c.get("name")
                  + " mounts no claim there");
        }
      }
      for (Object v : list(podSpec(w).get("volumes"))) {
        String claim = (String) at(map(v), "persistentVolumeClaim").get("claimName");
        if (claim != null) {
          podsByClaim.merge(claim, fewestPods(w), Integer::sum);
        }
      }
    }
    for (var e : podsByClaim.entrySet()) {
      Map<String, Object> pvc = k8s.find("PersistentVolumeClaim", e.getKey());
      if (pvc != null
          && e.getValue() > 1
          && !list(spec(pvc).get("accessModes")).contains("ReadWriteMany")) {
        problem(pvc, "is mounted by " + e.getValue() + " pods but is not ReadWriteMany");
      }
    }
  }

  /** The workload's replicas, or its autoscaler's minimum, or Kubernetes' default of 1. */
  private int fewestPods(Map<String, Object> workload) {
    if (spec(workload).get("replicas") instanceof Integer replicas) {
      return replicas;
    }
    return k8s.all("HorizontalPodAutoscaler").stream()
        .filter(h -> name(workload).equals(at(spec(h), "scaleTargetRef").get("name")))
        .map(h -> (Integer) spec(h).getOrDefault("minReplicas", 1))
        .findFirst()
        .orElse(1);
  }

  /**
   * An application.yml mounted from a ConfigMap through SPRING_CONFIG_ADDITIONAL_LOCATION exists,
   * and the rollout service's backends in it name real properties and real vLLM pods.
   */
  private void mountedSpringConfig() {
    for (Map<String, Object> w : k8s.workloads()) {
      for (Map<String, Object> c : allContainers(podSpec(w))) {
        String location = envValue(c, "SPRING_CONFIG_ADDITIONAL_LOCATION");
        if (location == null) {
          continue;
        }
        Map<String, Object> config = mountedApplicationYml(w, c, location);
        if (config != null && "rollout-service".equals(module(c))) {
          rolloutBackends(w, config);
        }
      }
    }
  }

  private Map<String, Object> mountedApplicationYml(
      Map<String, Object> w, Map<String, Object> c, String location) {
    String path = location.replaceFirst("^optional:", "").replaceFirst("^file:", "");
    String dir = path.endsWith("/") ? path : path.substring(0, path.lastIndexOf('/') + 1);
    String file =
        path.endsWith("/") ? "application.yml" : path.substring(path.lastIndexOf('/') + 1);
    Map<String, Object> mount = mountAt(c, dir);
    Map<String, Object> volume =
        mount == null ? null : volume(podSpec(w), (String) mount.get("name"));
    String configMap = volume == null ? null : (String) at(volume, "configMap").get("name");
    Set<String> keys = configMap == null ? null : k8s.keys("ConfigMap", configMap);
    if (keys == null || !keys.contains(file)) {
      problem(
          w,
          "SPRING_CONFIG_ADDITIONAL_LOCATION="
              + location
              + " but no ConfigMap with "
              + file
              + " is mounted at "
              + dir);
      return null;
    }
    return map(
        new Yaml().load((String) map(k8s.get("ConfigMap", configMap).get("data")).get(file)));
  }

  private void rolloutBackends(Map<String, Object> rollout, Map<String, Object> config) {
    Map<String, Object> props = at(config, "grpo", "rollout");
    for (String key : props.keySet()) {
      if (!sources.rolloutProperties().contains(key)) {
        problem(rollout, "mounted config sets unknown property grpo.rollout." + key);
      }
    }
    List<String> backendNames = new ArrayList<>();
    for (Object b : list(props.get("backends"))) {
      Map<String, Object> backend = map(b);
      backendNames.add((String) backend.get("name"));
      for (String key : backend.keySet()) {
        if (!sources.rolloutBackendProperties().contains(key)) {
          problem(rollout, "backend " + backend.get("name") + " sets unknown property " + key);
        }
      }
      if ("openai".equals(backend.getOrDefault("type", "openai"))) {
        openAiBackend(rollout, backend);
      }
    }
    Object defaultBackend = props.get("default-backend");
    if (defaultBackend != null && !backendNames.contains(defaultBackend)) {
      problem(rollout, "default-backend " + defaultBackend + " is not one of " + backendNames);
    }
  }

  private void openAiBackend(Map<String, Object> rollout, Map<String, Object> backend) {
    String name = "backend " + backend.get("name");
    Map<String, Set<Integer>> ordinalsBySet = new LinkedHashMap<>();
    Map<String, Integer> portBySet = new HashMap<>();
    for (Object e : list(backend.get("endpoints"))) {
      URI uri = URI.create(String.valueOf(e));
      String problem = endpointProblem(uri.getHost(), uri.getPort(), podSpec(rollout));
      if (problem != null) {
        problem(rollout, name + " endpoint " + e + ": " + problem);
        continue;
      }
      Matcher pod = Pattern.compile("^(.+)-(\\d+)\\.").matcher(uri.getHost());
      if (!pod.find()) {
        problem(rollout, name + " endpoint " + e + " is not a pod's stable name");
        continue;
      }
      ordinalsBySet
          .computeIfAbsent(pod.group(1), k -> new TreeSet<>())
          .add(Integer.parseInt(pod.group(2)));
      portBySet.put(pod.group(1), uri.getPort());
    }
    if (ordinalsBySet.isEmpty()) {
      problem(rollout, name + " lists no inference pod");
    }
    for (var e : ordinalsBySet.entrySet()) {
      Map<String, Object> set = k8s.get("StatefulSet", e.getKey());
      int replicas = (Integer) spec(set).getOrDefault("replicas", 1);
      if (e.getValue().size() != replicas) {
        problem(
            rollout,
            name
                + " lists pods "
                + e.getValue()
                + " of StatefulSet/"
                + e.getKey()
                + ", which runs "
                + replicas);
      }
      Map<String, Object> server = longRunningContainers(podSpec(set)).get(0);
      Map<String, String> flags = flags(list(server.get("args")));
      String served = flags.getOrDefault("--served-model-name", flags.get("--model"));
      if (!Objects.equals(served, backend.get("model"))) {
        problem(
            rollout,
            name
                + " sends model "
                + backend.get("model")
                + " but StatefulSet/"
                + e.getKey()
                + " serves "
                + served);
      }
      if (!String.valueOf(portBySet.get(e.getKey())).equals(flags.get("--port"))) {
        problem(
            rollout,
            name
                + " calls port "
                + portBySet.get(e.getKey())
                + " but the server listens on --port "
                + flags.get("--port"));
      }
      if (!"processed_logprobs".equals(flags.get("--logprobs-mode"))) {
        problem(
            set,
            "is not started with --logprobs-mode processed_logprobs: its log-probs would be taken before temperature and top-k/top-p");
      }
      if (backend.get("lora-adapter") != null) {
        loraSync(set, server, flags);
      }
    }
  }

  /** Weight sync by LoRA: vLLM takes runtime adapters and reads them at the trainer's paths. */
  private void loraSync(
      Map<String, Object> set, Map<String, Object> server, Map<String, String> flags) {
    if (!flags.containsKey("--enable-lora")) {
      problem(set, "the rollout backend syncs by LoRA adapter but the server has no --enable-lora");
    }
    if (!"true".equalsIgnoreCase(envValue(server, "VLLM_ALLOW_RUNTIME_LORA_UPDATING"))) {
      problem(
          set,
          "the rollout backend loads LoRA adapters at run time but VLLM_ALLOW_RUNTIME_LORA_UPDATING is not True");
    }
    Map<String, Object> trainer = k8s.find("Deployment", "trainer-service");
    if (trainer == null) {
      return;
    }
    Map<String, Object> trainerContainer =
        KubernetesManifests.container(trainer, "trainer-service");
    String dataDir = envValue(trainerContainer, "GRPO_DATA_DIR");
    String claim =
        dataDir == null
            ? null
            : KubernetesManifests.claimMountedAt(trainer, trainerContainer, dataDir);
    if (claim == null || !claim.equals(KubernetesManifests.claimMountedAt(set, server, dataDir))) {
      problem(
          set,
          "does not mount the trainer's checkpoints (claim "
              + claim
              + ") at "
              + dataDir
              + ", where a LoRA sync points it");
    }
  }
}
