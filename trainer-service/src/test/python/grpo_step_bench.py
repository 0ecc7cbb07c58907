#!/usr/bin/env python3
"""PyTorch reference for GrpoStepBench: one GRPO update step, timed, on one CPU thread.

The same work as dev.grpo.trainer.train.GrpoTrainer.step with beta = 0 and mu = 1 on the same
shapes: a batched forward of the Llama decoder over prompt + completion with a causal/padding mask
(the equations of policy/src/test/python/reference_model.py, batched like the Java model: the
lm_head only on the completion positions), per-token log-probs and entropies, group advantages,
the clipped surrogate with DAPO token-level aggregation, backward, global-norm clipping to 1.0,
torch.optim.AdamW, zero grads.

Usage: /usr/bin/python3 trainer-service/src/test/python/grpo_step_bench.py [iterations]
Prints one line per model: name, parameters, median and min milliseconds per step.

BLAS: Debian's python3-torch calls the system libblas.so.3, which is the reference (netlib) BLAS
unless an optimised one is installed: about 3 GFLOP/s on one thread against about 60 with OpenBLAS,
which made this reference 7-14x slower than it should be. For a fair comparison run it (and
GrpoStepBench, which starts it) with an OpenBLAS libblas.so.3 first on the library path, e.g. the
files of Debian's libopenblas0-serial package unpacked with `apt-get download` + `dpkg -x`:
  LD_LIBRARY_PATH=<unpacked>/usr/lib/x86_64-linux-gnu/openblas-serial
DJL's libtorch brings its own MKL and is not affected.
"""

import math
import statistics
import sys
import time

import torch
import torch.nn.functional as F

PROMPTS, GROUP, PROMPT_LEN, COMPLETION_LEN, VOCAB = 8, 4, 16, 32, 104

MODELS = {
    # ModelConfig.tiny(): hidden 64, 3 layers, 4 heads, 2 KV heads, intermediate 176, tied
    "tiny": dict(hidden=64, inter=176, layers=3, heads=4, kv=2),
    # hidden 256: 4 layers, 8 heads, 4 KV heads, intermediate 688, tied
    "h256": dict(hidden=256, inter=688, layers=4, heads=8, kv=4),
}


def init_params(c, gen):
    h, q, kv, inter = c["hidden"], c["hidden"], c["kv"] * c["hidden"] // c["heads"], c["inter"]
    shapes = {"model.embed_tokens.weight": (VOCAB, h)}
    for i in range(c["layers"]):
        p = f"model.layers.{i}."
        shapes[p + "input_layernorm.weight"] = (h,)
        shapes[p + "self_attn.q_proj.weight"] = (q, h)
        shapes[p + "self_attn.k_proj.weight"] = (kv, h)
        shapes[p + "self_attn.v_proj.weight"] = (kv, h)
        shapes[p + "self_attn.o_proj.weight"] = (h, q)
        shapes[p + "post_attention_layernorm.weight"] = (h,)
        shapes[p + "mlp.gate_proj.weight"] = (inter, h)
        shapes[p + "mlp.up_proj.weight"] = (inter, h)
        shapes[p + "mlp.down_proj.weight"] = (h, inter)
    shapes["model.norm.weight"] = (h,)
    params = {}
    for name, shape in shapes.items():
        t = torch.ones(shape) if name.endswith("norm.weight") else 0.02 * torch.randn(shape, generator=gen)
        params[name] = t.requires_grad_(True)
    return params


def rms_norm(x, weight, eps=1e-6):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def log_probs(params, c, ids, attention, gather_index, targets, mask):
    """Per-token log-probs and entropies (B, C) of the completion tokens."""
    b, t = ids.shape
    n_heads, n_kv, d = c["heads"], c["kv"], c["hidden"] // c["heads"]
    positions = (attention.cumsum(1) - 1).clamp(min=0)
    inv_freq = 1.0 / (10000.0 ** (torch.arange(0, d, 2, dtype=torch.float32) / d))
    freqs = positions.float()[..., None] * inv_freq
    emb = torch.cat((freqs, freqs), -1)[:, None]
    cos, sin = emb.cos(), emb.sin()
    causal = torch.ones(t, t, dtype=torch.bool).tril()
    allowed = causal[None, None] & (attention > 0.5)[:, None, None, :]
    additive = (allowed.float() - 1.0) * 1e9
    x = F.embedding(ids, params["model.embed_tokens.weight"])
    for i in range(c["layers"]):
        p = f"model.layers.{i}."
        hs = rms_norm(x, params[p + "input_layernorm.weight"])
        q = F.linear(hs, params[p + "self_attn.q_proj.weight"]).view(b, t, n_heads, d).transpose(1, 2)
        k = F.linear(hs, params[p + "self_attn.k_proj.weight"]).view(b, t, n_kv, d).transpose(1, 2)
        v = F.linear(hs, params[p + "self_attn.v_proj.weight"]).view(b, t, n_kv, d).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(n_heads // n_kv, dim=1)
        v = v.repeat_interleave(n_heads // n_kv, dim=1)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(d) + additive
        attn = torch.softmax(scores, -1) @ v
        x = x + F.linear(attn.transpose(1, 2).reshape(b, t, n_heads * d), params[p + "self_attn.o_proj.weight"])
        hs = rms_norm(x, params[p + "post_attention_layernorm.weight"])
        gate = F.linear(hs, params[p + "mlp.gate_proj.weight"])
        x = x + F.linear(gate * torch.sigmoid(gate) * F.linear(hs, params[p + "mlp.up_proj.weight"]),
                         params[p + "mlp.down_proj.weight"])
    x = rms_norm(x, params["model.norm.weight"])
    picked = x.gather(1, gather_index[..., None].expand(-1, -1, x.shape[-1]))
    logsm = F.log_softmax(F.linear(picked, params["model.embed_tokens.weight"]), -1)
    lp = logsm.gather(-1, targets[..., None]).squeeze(-1) * mask
    entropy = -(logsm.exp() * logsm).sum(-1) * mask
    return lp, entropy


def grpo_step(params, c, optimizer, prompts, completions, rewards):
    # host-side batch building, as the Java trainer does per step
    b = len(completions)
    length = PROMPT_LEN + COMPLETION_LEN
    ids = torch.tensor([p + cc for p, cc in zip(prompts, completions)], dtype=torch.long)
    attention = torch.ones(b, length, dtype=torch.long)
    gather_index = torch.arange(PROMPT_LEN - 1, PROMPT_LEN - 1 + COMPLETION_LEN).expand(b, -1)
    targets = torch.tensor(completions, dtype=torch.long)
    mask = torch.ones(b, COMPLETION_LEN)
    r = torch.tensor(rewards, dtype=torch.float64).view(-1, GROUP)
    adv = ((r - r.mean(1, keepdim=True)) / (r.std(1, keepdim=True) + 1e-4)).view(-1).float()

    lp, entropy = log_probs(params, c, ids, attention, gather_index, targets, mask)
    ratio = torch.exp(lp - lp.detach())
    a = adv[:, None]
    per_token = -torch.min(ratio * a, torch.clamp(ratio, 0.8, 1.2) * a)
    loss = (per_token * mask).sum() / mask.sum().clamp(min=1.0)
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(list(params.values()), 1.0)
    optimizer.step()
    optimizer.zero_grad(set_to_none=False)
    return loss.item(), norm.item(), (entropy.detach() * mask).sum().item() / mask.sum().item()


def main():
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    torch.set_num_threads(1)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    b = PROMPTS * GROUP
    prompts = [torch.randint(4, VOCAB, (PROMPT_LEN,), generator=gen).tolist() for _ in range(b)]
    completions = [torch.randint(4, VOCAB, (COMPLETION_LEN,), generator=gen).tolist() for _ in range(b)]
    rewards = torch.rand(b, generator=gen, dtype=torch.float64).tolist()
    for name, c in MODELS.items():
        params = init_params(c, gen)
        optimizer = torch.optim.AdamW(params.values(), lr=1e-5, weight_decay=0.0)
        for _ in range(3):
            grpo_step(params, c, optimizer, prompts, completions, rewards)
        times = []
        for _ in range(iterations):
            start = time.perf_counter()
            grpo_step(params, c, optimizer, prompts, completions, rewards)
            times.append((time.perf_counter() - start) * 1000)
        n = sum(p.numel() for p in params.values())
        print(f"{name} params={n} median_ms={statistics.median(times):.2f} min_ms={min(times):.2f}")


if __name__ == "__main__":
    main()
