package dev.grpo.trainer.step;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.grpo.api.run.RunSpec;
import dev.grpo.policy.lora.PeftAdapterFiles;
import dev.grpo.policy.model.DecoderModel;
import dev.grpo.policy.model.ModelConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.client.HttpClientErrorException;

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

  @Test
  void aLoraRunPublishesPeftAdaptersAndARejectedOneStopsTheRunSayingWhichVersionServes()
      throws IOException {
    RunSpec lora =
        StepFixtures.spec(
            "{\"model\": {\"preset\": \"tiny\", \"lora\": {\"rank\": 4}},"
                + " \"rollout\": {\"backend\": \"vllm\"}}");
    FakeServices fake = FakeServices.scoringTextAsNumber((item, k) -> "1");
    RunDirectory runDir = new RunDirectory(dir);
    PolicyPublisher publisher =
        new PolicyPublisher(
            new PolicyPublisher.Target(
                StepFixtures.RUN, "vllm", null, runDir, 2, LoraBase.of(lora, runDir)),
            fake.calls(),
            () -> true);
    fake.syncFailure =
        r ->
            r.policyVersion() < 2
                ? null
                : HttpClientErrorException.create(
                    HttpStatus.valueOf(422),
                    "Unprocessable",
                    HttpHeaders.EMPTY,
                    ("{\"type\":\"weight-sync-rejected\",\"detail\":\"backend vllm: ... did not"
                            + " load LoRA policy-v2; it keeps serving policy version 1\"}")
                        .getBytes(StandardCharsets.UTF_8),
                    StandardCharsets.UTF_8);
    try (DecoderModel policy = RunConfigs.initialPolicy(lora)) {
      publisher.publish(policy, 1);
      Path v1 = dir.resolve("policy/v1");
      assertThat(PeftAdapterFiles.isAdapter(v1)).isTrue();
      assertThat(v1.resolve(DecoderModel.WEIGHTS_FILE)).doesNotExist();
      assertThat(PeftAdapterFiles.baseModel(v1)).isEqualTo(dir.resolve("lora-base").toString());
      assertThat(dir.resolve("lora-base").resolve(DecoderModel.WEIGHTS_FILE)).isRegularFile();
      assertThatThrownBy(() -> publisher.publish(policy, 2))
          .hasMessageContaining("rejected policy version 2")
          .hasMessageContaining("keeps its last recorded checkpoint")
          .hasMessageContaining("keeps serving policy version 1");
    }
    assertThat(fake.syncs).hasSize(2);
  }
}
