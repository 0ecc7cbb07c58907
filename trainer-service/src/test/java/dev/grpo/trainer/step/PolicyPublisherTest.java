package dev.grpo.trainer.step;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import dev.grpo.api.run.RunSpec;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyPublisherTest {

  @TempDir Path dir;

  private final RunSpec spec = StepFixtures.spec("{\"rollout\": {\"backend\": \"embedded\"}}");

  private Stream<String> published() throws IOException {
    return Files.list(dir.resolve("policy")).map(p -> p.getFileName().toString()).sorted();
  }

  @Test
  void writesEachVersionOnceSyncsItAndKeepsTheLastTwo() throws IOException {
    FakeServices fake = FakeServices.scoringTextAsNumber((item, k) -> "1");
    PolicyPublisher publisher = StepFixtures.publisher(spec, fake, dir, 2);
    // what a trainer killed mid-write left behind
    Files.createDirectories(dir.resolve("policy/.v1.dead.tmp"));
    try (DecoderModel policy = DecoderModel.randomInit(ModelConfig.tiny(), 1, Device.cpu())) {
      publisher.publish(policy, 1);
      publisher.publish(policy, 2);
      publisher.publish(policy, 3);
    }

    assertThat(published()).containsExactly("v2", "v3");
    assertThat(dir.resolve("policy/v3").resolve(DecoderModel.WEIGHTS_FILE)).isRegularFile();
    assertThat(fake.syncs).extracting(s -> s.policyVersion()).containsExactly(1L, 2L, 3L);
    assertThat(fake.syncs.get(2).checkpointUri())
        .isEqualTo(dir.resolve("policy/v3").toUri().toString());
    assertThat(fake.syncs.get(2).backend()).isEqualTo("embedded");
    assertThat(fake.syncs.get(2).runId()).isEqualTo(StepFixtures.RUN);
  }
}
