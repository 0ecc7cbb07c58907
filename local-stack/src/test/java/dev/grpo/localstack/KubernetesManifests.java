package dev.grpo.localstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.stream.Stream;
import org.yaml.snakeyaml.Yaml;

/**
 * The documents of {@code k8s/}, as mutable YAML trees (so a test can plant a mistake in a fresh
 * copy), with the lookups the checks need.
 */
final class KubernetesManifests {

  static final String NAMESPACE = "grpo";

  private final List<Map<String, Object>> documents;

  private KubernetesManifests(List<Map<String, Object>> documents) {
    this.documents = documents;
  }

  static KubernetesManifests load(Path dir) throws IOException {
    List<Map<String, Object>> docs = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        for (Object doc : new Yaml().loadAll(Files.readString(f))) {
          if (doc != null) {
            docs.add(map(doc));
          }
        }
      }
    }
    return new KubernetesManifests(docs);
  }

  List<Map<String, Object>> documents() {
    return documents;
  }

  List<Map<String, Object>> all(String kind) {
    return documents.stream().filter(d -> kind.equals(d.get("kind"))).toList();
  }

  Map<String, Object> find(String kind, String name) {
    return all(kind).stream().filter(d -> name.equals(name(d))).findFirst().orElse(null);
  }

  Map<String, Object> get(String kind, String name) {
    Map<String, Object> doc = find(kind, name);
    if (doc == null) {
      throw new NoSuchElementException(kind + "/" + name + " is not in k8s/");
    }
    return doc;
  }

  /** Deployments and StatefulSets. */
  List<Map<String, Object>> workloads() {
    return documents.stream()
        .filter(d -> "Deployment".equals(d.get("kind")) || "StatefulSet".equals(d.get("kind")))
        .toList();
  }

  Map<String, Object> workload(String name) {
    return workloads().stream()
        .filter(w -> name.equals(name(w)))
        .findFirst()
        .orElseThrow(() -> new NoSuchElementException("no workload " + name));
  }

  /** The workloads whose pods carry all of these labels; none for an empty selector. */
  List<Map<String, Object>> workloadsSelectedBy(Map<String, Object> matchLabels) {
    if (matchLabels.isEmpty()) {
      return List.of();
    }
    return workloads().stream()
        .filter(w -> podLabels(w).entrySet().containsAll(matchLabels.entrySet()))
        .toList();
  }

  /** The keys a ConfigMap or Secret holds, or null when there is no such object. */
  java.util.Set<String> keys(String kind, String name) {
    Map<String, Object> doc = find(kind, name);
    if (doc == null) {
      return null;
    }
    java.util.Set<String> keys = new java.util.TreeSet<>(map(doc.get("data")).keySet());
    keys.addAll(map(doc.get("stringData")).keySet());
    return keys;
  }

  // ---- one object

  static String name(Map<String, Object> doc) {
    return (String) map(doc.get("metadata")).get("name");
  }

  static String id(Map<String, Object> doc) {
    return doc.get("kind") + "/" + name(doc);
  }

  static Map<String, Object> spec(Map<String, Object> doc) {
    return map(doc.get("spec"));
  }

  static Map<String, Object> podTemplate(Map<String, Object> workload) {
    return map(spec(workload).get("template"));
  }

  static Map<String, Object> podSpec(Map<String, Object> workload) {
    return map(podTemplate(workload).get("spec"));
  }

  static Map<String, Object> podLabels(Map<String, Object> workload) {
    return map(map(podTemplate(workload).get("metadata")).get("labels"));
  }

  /**
   * The containers that run beside each other for the pod's life: the regular ones and the native
   * sidecars (init containers with {@code restartPolicy: Always}); plain init containers, which run
   * to completion first, are left out.
   */
  static List<Map<String, Object>> longRunningContainers(Map<String, Object> podSpec) {
    List<Map<String, Object>> containers = new ArrayList<>();
    for (Object c : list(podSpec.get("initContainers"))) {
      if ("Always".equals(map(c).get("restartPolicy"))) {
        containers.add(map(c));
      }
    }
    for (Object c : list(podSpec.get("containers"))) {
      containers.add(map(c));
    }
    return containers;
  }

  /** Every container of the pod, init containers included. */
  static List<Map<String, Object>> allContainers(Map<String, Object> podSpec) {
    List<Map<String, Object>> containers = new ArrayList<>();
    Stream.concat(
            list(podSpec.get("initContainers")).stream(), list(podSpec.get("containers")).stream())
        .forEach(c -> containers.add(map(c)));
    return containers;
  }

  static Map<String, Object> container(Map<String, Object> workload, String name) {
    return allContainers(podSpec(workload)).stream()
        .filter(c -> name.equals(c.get("name")))
        .findFirst()
        .orElseThrow(() -> new NoSuchElementException(id(workload) + " has no container " + name));
  }

  /** Whether the container declares this port: a name matches a port name, a number a number. */
  static boolean exposes(Map<String, Object> container, Object port) {
    for (Object p : list(container.get("ports"))) {
      Map<String, Object> declared = map(p);
      if (port instanceof String s && s.equals(declared.get("name"))) {
        return true;
      }
      if (port instanceof Integer n && n.equals(declared.get("containerPort"))) {
        return true;
      }
    }
    return false;
  }

  /** The number of the port the container declares under that name or number, or null. */
  static Integer portNumber(Map<String, Object> container, Object port) {
    for (Object p : list(container.get("ports"))) {
      Map<String, Object> declared = map(p);
      if (Objects.equals(port, declared.get("name"))
          || Objects.equals(port, declared.get("containerPort"))) {
        return (Integer) declared.get("containerPort");
      }
    }
    return null;
  }

  /** The container's environment variables by name, as written (value or valueFrom). */
  static Map<String, Map<String, Object>> env(Map<String, Object> container) {
    Map<String, Map<String, Object>> env = new LinkedHashMap<>();
    for (Object e : list(container.get("env"))) {
      env.put((String) map(e).get("name"), map(e));
    }
    return env;
  }

  /** The literal value of an env var written with {@code value}, or null. */
  static String envValue(Map<String, Object> container, String name) {
    Map<String, Object> e = env(container).get(name);
    return e == null ? null : (String) e.get("value");
  }

  /** The mount of this container at exactly this path, or null. */
  static Map<String, Object> mountAt(Map<String, Object> container, String path) {
    for (Object m : list(container.get("volumeMounts"))) {
      if (stripSlash(path).equals(stripSlash((String) map(m).get("mountPath")))) {
        return map(m);
      }
    }
    return null;
  }

  static Map<String, Object> volume(Map<String, Object> podSpec, String name) {
    for (Object v : list(podSpec.get("volumes"))) {
      if (name.equals(map(v).get("name"))) {
        return map(v);
      }
    }
    return null;
  }

  /** The PersistentVolumeClaim mounted at this path, or null. */
  static String claimMountedAt(
      Map<String, Object> workload, Map<String, Object> container, String path) {
    Map<String, Object> mount = mountAt(container, path);
    if (mount == null) {
      return null;
    }
    Map<String, Object> volume = volume(podSpec(workload), (String) mount.get("name"));
    return volume == null
        ? null
        : (String) map(volume.get("persistentVolumeClaim")).get("claimName");
  }

  /** {@code --flag value} and {@code --flag=value} arguments; a bare flag maps to "". */
  static Map<String, String> flags(List<Object> args) {
    Map<String, String> flags = new LinkedHashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String a = String.valueOf(args.get(i));
      if (!a.startsWith("--")) {
        continue;
      }
      int eq = a.indexOf('=');
      if (eq > 0) {
        flags.put(a.substring(0, eq), a.substring(eq + 1));
      } else if (i + 1 < args.size() && !String.valueOf(args.get(i + 1)).startsWith("--")) {
        flags.put(a, String.valueOf(args.get(++i)));
      } else {
        flags.put(a, "");
      }
    }
    return flags;
  }

  private static String stripSlash(String path) {
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  // ---- YAML trees

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    return o == null ? Map.of() : (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object o) {
    return o == null ? List.of() : (List<Object>) o;
  }

  /** The map at this path, or an empty map where a step is missing. */
  static Map<String, Object> at(Map<String, Object> root, String... path) {
    Map<String, Object> m = root;
    for (String step : path) {
      m = map(m.get(step));
    }
    return m;
  }
}
