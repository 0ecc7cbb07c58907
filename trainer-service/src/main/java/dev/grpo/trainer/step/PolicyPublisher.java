package dev.grpo.trainer.step;

import dev.grpo.api.rollout.PolicySyncRequest;
import dev.grpo.policy.lora.PeftAdapterFiles;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.tokenizer.ModelTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a policy version to the rollout service: writes its weights (atomically, once per
 * version; a LoRA run's adapters in PEFT's layout) where the service can read them, {@code POST
 * /policies/sync}, and prunes the versions older than the last {@code keep}.
 */
final class PolicyPublisher {

  private static final Logger log = LoggerFactory.getLogger(PolicyPublisher.class);

  /**
   * Which run publishes, to which backend, and what it keeps on disk; {@code loraBase} is the
   * frozen base a LoRA run's adapters name (null when the run trains every weight).
   */
  record Target(
      UUID runId,
      String backend,
      Path tokenizerDir,
      RunDirectory dir,
      int keep,
      LoraBase loraBase) {
    Target(UUID runId, String backend, Path tokenizerDir, RunDirectory dir, int keep) {
      this(runId, backend, tokenizerDir, dir, keep, null);
    }
  }

  private final Target target;
  private final ServiceCalls calls;
  private final BooleanSupplier keepGoing;

  PolicyPublisher(Target target, ServiceCalls calls, BooleanSupplier keepGoing) {
    this.target = target;
    this.calls = calls;
    this.keepGoing = keepGoing;
  }

  /** Writes the weights the rollout service loads for {@code version}, then syncs it. */
  void publish(DecoderModel policy, long version) {
    Path dir = target.dir().policy(version);
    try {
      if (!Files.isRegularFile(dir.resolve(DecoderModel.WEIGHTS_FILE))
          && !PeftAdapterFiles.isAdapter(dir)) {
        write(policy, dir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the policy weights to " + dir, e);
    }
    sync(version);
    prune(version);
  }

  private void write(DecoderModel policy, Path dir) throws IOException {
    Path tmp = dir.resolveSibling("." + dir.getFileName() + "." + UUID.randomUUID() + ".tmp");
    Files.createDirectories(tmp.getParent());
    if (policy.adapters() != null) {
      // a LoRA run publishes its adapters alone, in PEFT's layout, naming the frozen base
      PeftAdapterFiles.write(
          policy.adapters(), target.loraBase().reference(policy).dir().toString(), tmp);
    } else {
      policy.save(tmp);
    }
    if (target.tokenizerDir() != null) {
      // tokenizer.json with tokenizer_config.json: the backend needs the stop tokens too
      ModelTokenizer.linkOrCopyFiles(target.tokenizerDir(), tmp);
    }
    RunDirectory.deleteRecursively(dir);
    Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Tells the rollout backend to load the published weights of {@code version}. */
  void sync(long version) {
    String uri = target.dir().policy(version).toUri().toString();
    try {
      calls.withRetries(
          "POST /api/v1/policies/sync",
          keepGoing,
          () ->
              calls
                  .rollout()
                  .sync(new PolicySyncRequest(target.runId(), version, uri, target.backend())));
    } catch (ServiceCalls.CallFailedException e) {
      if (e.status == 422) {
        // the server refused these weights (an adapter it cannot load): no retry helps, and the
        // backend still serves the last version it accepted
        throw new IllegalStateException(
            "the rollout backend rejected policy version %d; the run keeps its last recorded"
                    .formatted(version)
                + " checkpoint: "
                + e.getMessage(),
            e);
      }
      if (e.status != 409) {
        throw e;
      }
      // a backend shared by several runs that already moved past this version: rollouts then
      // report the version that sampled them
      log.warn(
          "run {}: sync of policy version {} refused: {}", target.runId(), version, e.getMessage());
    }
  }

  private void prune(long current) {
    Path root = target.dir().policies();
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path tmp :
          dirs.filter(p -> p.getFileName().toString().matches("\\.v\\d+\\..*\\.tmp")).toList()) {
        // what a trainer killed while writing weights left; this run's publishes are sequential
        RunDirectory.deleteRecursively(tmp);
      }
    } catch (IOException e) {
      log.warn("run {}: cannot list {}: {}", target.runId(), root, e.toString());
    }
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path d :
          dirs.filter(p -> p.getFileName().toString().matches("v\\d+"))
              .sorted(Comparator.comparingLong(PolicyPublisher::versionOf))
              .toList()) {
        if (versionOf(d) <= current - target.keep()) {
          RunDirectory.deleteRecursively(d);
        }
      }
    } catch (IOException e) {
      log.warn("run {}: cannot prune old policy weights: {}", target.runId(), e.toString());
    }
  }

  private static long versionOf(Path dir) {
    return Long.parseLong(dir.getFileName().toString().substring(1));
  }
}
