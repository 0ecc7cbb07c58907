package dev.grpo.trainer.step;

import dev.grpo.api.rollout.RolloutResponse.Sample;
import dev.grpo.ledger.dataset.DatasetItems.Item;
import java.util.List;

/** The samples of one prompt with their rewards (NaN where a completion was skipped). */
record ScoredGroup(Item item, int[] promptIds, List<Sample> samples, double[] rewards) {

  /** Whether every scored sample got the same reward: the group carries no advantage. */
  boolean degenerate() {
    double first = Double.NaN;
    int finite = 0;
    for (double r : rewards) {
      if (Double.isNaN(r)) {
        continue;
      }
      if (finite > 0 && r != first) {
        return false;
      }
      first = r;
      finite++;
    }
    return true;
  }
}
