#!/usr/bin/env python3
"""Independent numpy reference for the reward model's pairwise (Bradley-Terry) loss.

Written from the formula (InstructGPT eq. 1; Llama 2's margin variant), not from the Java code:
    loss = mean_i -log sigmoid(z_i),  z_i = chosen_i - rejected_i - margin_i
    d loss / d chosen_i = -sigmoid(-z_i) / n,  d loss / d rejected_i = +sigmoid(-z_i) / n
in float64, -log sigmoid(z) as logaddexp(0, -z). It writes the fixture PairwiseLossReferenceTest
reads, so the Java build never needs Python:

  trainer-service/src/test/resources/rm/pairwise_loss.json

Run from the repository root:  python3 trainer-service/src/test/python/pairwise_loss_reference.py
"""

import json
import numpy as np

rng = np.random.default_rng(17)
cases = []


def case(name, c, r, m):
    c, r, m = (np.asarray(x, dtype=np.float64) for x in (c, r, m))
    z = c - r - m
    n = len(z)
    loss = np.logaddexp(0.0, -z).mean()
    s = 1.0 / (1.0 + np.exp(z))  # sigmoid(-z)
    cases.append({"name": name, "chosen": c.tolist(), "rejected": r.tolist(), "margin": m.tolist(),
                  "loss": float(loss), "gradChosen": (-s / n).tolist(), "gradRejected": (s / n).tolist()})


n = 8
case("random_no_margin", rng.normal(size=n), rng.normal(size=n), np.zeros(n))
case("random_row_margins", rng.normal(size=n), rng.normal(size=n), rng.uniform(0, 2, size=n))
case("far_apart", [40.0, -40.0, 30.0, -30.0], [0.0, 0.0, -5.0, 5.0], [0.0, 0.0, 1.0, 1.0])
case("ties", [0.5, -1.0, 2.0], [0.5, -1.0, 2.0], [0.0, 0.0, 0.0])
with open("trainer-service/src/test/resources/rm/pairwise_loss.json", "w") as f:
    json.dump({"generator": "trainer-service/src/test/python/pairwise_loss_reference.py",
               "cases": cases}, f, indent=1)
