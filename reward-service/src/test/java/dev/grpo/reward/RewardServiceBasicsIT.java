package dev.grpo.reward;

import dev.grpo.testsupport.ServiceBasicsContract;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "grpo.reward.api-key=" + ServiceBasicsContract.KEY,
      "grpo.ledger.reaper-interval=1h"
    })
class RewardServiceBasicsIT extends ServiceBasicsContract {}
