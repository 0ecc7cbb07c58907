#!/usr/bin/env python3
"""Greedy generation fixtures for GreedyParityTest, written by plain PyTorch.

For each parity model (src/test/resources/parity/NAME), a batch of left-padded prompts of different
lengths (seeded) is decoded greedily with a key/value cache by sampler_bench.py's Model (the same
Llama/Qwen2 equations as reference_model.py, cache grown with torch.cat), in float32 on one thread.
Writes src/test/resources/greedy/NAME.json: {"prompts", "max_new_tokens", "tokens", "log_probs"},
log_probs being log_softmax(logits) of each chosen token.

Usage (from policy/): /usr/bin/python3 src/test/python/greedy_fixture.py
"""

import json
import pathlib
import random
import sys

import torch

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from sampler_bench import Model, left_padded  # noqa: E402

CASES = {
    # name: (batch, shortest prompt, longest prompt, new tokens)
    "llama_gqa": (6, 3, 17, 24),
    "qwen2_tied": (5, 2, 14, 30),
    "llama_bias_mha": (4, 5, 20, 28),
    "llama_long": (3, 30, 60, 200),
}


def greedy(model, prompts, max_new):
    ids, positions, mask = left_padded(prompts, 0)
    b = ids.shape[0]
    tokens, log_probs = [], []
    logits, cache = model.forward_last(ids, positions, mask, [])
    next_pos = positions[:, -1] + 1
    for step in range(max_new):
        lp = torch.log_softmax(logits, dim=-1)
        token = logits.argmax(-1)
        tokens.append(token)
        log_probs.append(lp.gather(1, token[:, None])[:, 0])
        if step == max_new - 1:
            break
        mask = torch.cat((mask, torch.ones(b, 1)), dim=1)
        logits, cache = model.forward_last(token[:, None], next_pos[:, None], mask, cache)
        next_pos = next_pos + 1
    return torch.stack(tokens, 1), torch.stack(log_probs, 1)


def main():
    torch.set_num_threads(1)
    root = pathlib.Path("src/test/resources")
    for name, (batch, shortest, longest, max_new) in CASES.items():
        model = Model(root / "parity" / name)
        vocab = model.c["vocab_size"]
        rng = random.Random(name)
        prompts = []
        for i in range(batch):
            length = shortest + (longest - shortest) * i // max(batch - 1, 1)
            prompts.append([rng.randrange(1, vocab) for _ in range(length)])
        with torch.inference_mode():
            tokens, log_probs = greedy(model, prompts, max_new)
        out = {
            "torch": torch.__version__,
            "prompts": prompts,
            "max_new_tokens": max_new,
            "tokens": tokens.tolist(),
            "log_probs": log_probs.tolist(),
        }
        (root / "greedy" / f"{name}.json").write_text(json.dumps(out) + "\n")
        print(name, "prompts", [len(p) for p in prompts], "tokens[0]", tokens[0].tolist()[:10])


if __name__ == "__main__":
    main()
