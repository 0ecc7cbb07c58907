package dev.grpo.trainer.step;

import dev.grpo.api.run.RunSpec;
import dev.grpo.ledger.dataset.DatasetItems.Item;
import dev.grpo.policy.tokenizer.CharTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import tools.jackson.databind.json.JsonMapper;

/** Run specs, items and step parts wired to {@link FakeServices}, for the step's unit tests. */
final class StepFixtures {

  static final JsonMapper MAPPER = JsonMapper.builder().build();
  static final UUID RUN = UUID.fromString("00000000-0000-0000-0000-000000000011");

  private StepFixtures() {}

  /** A spec bound from JSON (absent fields take their defaults, as for a user's spec). */
  static RunSpec spec(String json) {
    return MAPPER.readValue(json, RunSpec.class);
  }

  /** Items of a split with the given keys at ordinals 0, 1, ...; prompt "p-key", answer "1". */
  static List<Item> items(String split, String... keys) {
    List<Item> out = new ArrayList<>();
    for (int i = 0; i < keys.length; i++) {
      out.add(new Item(keys[i], split, i, "p-" + keys[i], "1", "s-" + keys[i], null, null));
    }
    return out;
  }

  static PromptEncoder encoder() {
    return new PromptEncoder("Q: {prompt}", new CharTokenizer());
  }

  static PolicyPublisher publisher(RunSpec spec, FakeServices fake, Path dir, int keep) {
    return new PolicyPublisher(
        new PolicyPublisher.Target(
            RUN, spec.rollout().backend(), null, new RunDirectory(dir), keep),
        fake.calls(),
        () -> true);
  }

  static Rollouts rollouts(RunSpec spec, FakeServices fake) {
    return new Rollouts(
        RUN,
        spec.rollout(),
        encoder(),
        fake.calls(),
        publisher(spec, fake, Path.of("/nonexistent"), 2),
        () -> true);
  }

  static GroupScoring scoring(RunSpec spec, FakeServices fake) {
    return new GroupScoring(spec, encoder(), fake.calls(), () -> true);
  }

  /** The train split held in memory. */
  static DynamicSampling.TrainPrompts inMemory(List<Item> items) {
    return new DynamicSampling.TrainPrompts() {
      @Override
      public int size() {
        return items.size();
      }

      @Override
      public List<Item> read(int from, int count) {
        return items.subList(from, from + count);
      }
    };
  }
}
