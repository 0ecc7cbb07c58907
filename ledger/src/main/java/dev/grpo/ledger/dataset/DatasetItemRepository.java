package dev.grpo.ledger.dataset;

import java.util.List;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

public interface DatasetItemRepository extends JpaRepository<DatasetItem, Long> {

  /** The dataset cursor: the next {@code limit} prompts of a split after {@code afterOrdinal}. */
  @Query(
      value =
          """
          SELECT * FROM dataset_item
          WHERE run_id = :runId AND split = :split AND ordinal > :afterOrdinal
          ORDER BY ordinal
          LIMIT :limit
          """,
      nativeQuery = true)
  List<DatasetItem> nextBatch(UUID runId, String split, int afterOrdinal, int limit);

  long countByRunIdAndSplit(UUID runId, String split);
}
