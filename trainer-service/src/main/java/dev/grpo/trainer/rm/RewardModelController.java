package dev.grpo.trainer.rm;

import dev.grpo.ledger.rm.RewardModelLedger;
import dev.grpo.web.ApiException;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/runs/{id}/reward-model}: what a reward-model run's data gave (pairs, and the
 * rows left out per reason with example lines) and its held-out pairwise accuracy per epoch, with
 * each epoch's checkpoint.
 */
@RestController
class RewardModelController {

  /**
   * @param data null until the run has read its preference file
   */
  record RewardModelView(RewardModelLedger.DataRow data, List<RewardModelLedger.EpochRow> epochs) {}

  private final RewardModelLedger ledger;

  RewardModelController(RewardModelLedger ledger) {
    this.ledger = ledger;
  }

  @GetMapping("/api/v1/runs/{id}/reward-model")
  RewardModelView get(@PathVariable UUID id) {
    RewardModelLedger.DataRow data = ledger.data(id);
    List<RewardModelLedger.EpochRow> epochs = ledger.epochs(id);
    if (data == null && epochs.isEmpty()) {
      throw new ApiException(
          HttpStatus.NOT_FOUND,
          "not-found",
          "run " + id + " has no reward-model data (not a reward_model run, or not started yet)");
    }
    return new RewardModelView(data, epochs);
  }
}
