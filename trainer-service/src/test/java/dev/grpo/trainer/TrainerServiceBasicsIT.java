package dev.grpo.trainer;

import dev.grpo.testsupport.ServiceBasicsContract;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "grpo.trainer.api-key=" + ServiceBasicsContract.KEY,
      "grpo.ledger.reaper-interval=1h"
    })
class TrainerServiceBasicsIT extends ServiceBasicsContract {}
