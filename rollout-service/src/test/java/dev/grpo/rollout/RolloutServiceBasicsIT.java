package dev.grpo.rollout;

import dev.grpo.testsupport.ServiceBasicsContract;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "grpo.rollout.api-key=" + ServiceBasicsContract.KEY,
      "grpo.ledger.reaper-interval=1h"
    })
class RolloutServiceBasicsIT extends ServiceBasicsContract {}
