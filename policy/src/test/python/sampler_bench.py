#!/usr/bin/env python3
"""PyTorch counterpart of SamplerBench: greedy batched generation with and without a KV cache.

Loads the SAME weights the Java bench wrote (config.json + model.safetensors with Hugging Face
names) and the same left-padded prompts (prompts.json), runs the same Llama/Qwen2 equations as
reference_model.py, batched: left padding, explicit position ids, additive mask, KV cache grown with
torch.cat (as Hugging Face's DynamicCache does). One intra-op and one inter-op thread.

Prints one JSON object: {"cache_tokens_per_s", "recompute_tokens_per_s", "cache_seconds",
"recompute_seconds", "tokens": [[...], ...]} (tokens of the cached run, for a cross-check).

With --serve it loads the model, warms up, then answers one line per request on stdin: "kv" or
"full" runs one timed generation with or without the cache and prints {"seconds", "cpu_seconds"
(this thread's CPU time), "tokens"}, so
the Java bench can alternate its own runs with PyTorch's and both see the same machine load.

Usage: /usr/bin/python3 sampler_bench.py MODEL_DIR [REPEATS]
       /usr/bin/python3 sampler_bench.py MODEL_DIR --serve
"""

import json
import math
import pathlib
import struct
import sys
import time

import torch
import torch.nn.functional as F

DTYPES = {"F32": torch.float32, "I64": torch.int64, "F16": torch.float16, "BF16": torch.bfloat16}


def read_safetensors(path):
    data = pathlib.Path(path).read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    base = 8 + size
    tensors = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        start, end = meta["data_offsets"]
        buffer = bytearray(data[base + start : base + end])
        tensor = torch.frombuffer(buffer, dtype=DTYPES[meta["dtype"]]).reshape(meta["shape"])
        tensors[name] = tensor.float()
    return tensors


def rms_norm(x, weight, eps):
    return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Model:
    def __init__(self, model_dir):
        self.c = json.loads((model_dir / "config.json").read_text())
        self.p = read_safetensors(model_dir / "model.safetensors")
        c = self.c
        self.heads = c["num_attention_heads"]
        self.kv_heads = c["num_key_value_heads"]
        self.d = c.get("head_dim") or c["hidden_size"] // self.heads
        self.eps = c["rms_norm_eps"]
        d = self.d
        self.inv_freq = (
            1.0 / (c["rope_theta"] ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
        ).float()
        self.head = self.p["model.embed_tokens.weight" if c["tie_word_embeddings"] else "lm_head.weight"]

    def linear(self, x, prefix):
        return F.linear(x, self.p[prefix + ".weight"], self.p.get(prefix + ".bias"))

    def forward_last(self, ids, positions, mask, cache):
        """Logits (B, V) of the last position; ids/positions (B, T); mask (B, past + T);
        cache: list of (k, v) per layer or None (no cache). Returns (logits, new cache)."""
        b, t = ids.shape
        past = 0 if not cache else cache[0][0].shape[2]
        freqs = positions[..., None].float() * self.inv_freq
        emb = torch.cat((freqs, freqs), dim=-1)[:, None]
        cos, sin = emb.cos(), emb.sin()
        query = torch.arange(past, past + t)[:, None]
        key = torch.arange(past + t)[None, :]
        allowed = (key <= query)[None, None] & (mask[:, None, None, :] > 0)
        additive = torch.zeros(allowed.shape).masked_fill(~allowed, -1e9)
        x = self.p["model.embed_tokens.weight"][ids]
        new_cache = []
        group = self.heads // self.kv_heads
        for i in range(self.c["num_hidden_layers"]):
            pre = f"model.layers.{i}."
            hs = rms_norm(x, self.p[pre + "input_layernorm.weight"], self.eps)
            q = self.linear(hs, pre + "self_attn.q_proj").view(b, t, self.heads, self.d).transpose(1, 2)
            k = self.linear(hs, pre + "self_attn.k_proj").view(b, t, self.kv_heads, self.d).transpose(1, 2)
            v = self.linear(hs, pre + "self_attn.v_proj").view(b, t, self.kv_heads, self.d).transpose(1, 2)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            if cache:
                k = torch.cat((cache[i][0], k), dim=2)
                v = torch.cat((cache[i][1], v), dim=2)
            new_cache.append((k, v))
            k = k.repeat_interleave(group, dim=1)
            v = v.repeat_interleave(group, dim=1)
            scores = (q @ k.transpose(-1, -2)) / math.sqrt(self.d) + additive
            attn = torch.softmax(scores, dim=-1) @ v
            x = x + self.linear(attn.transpose(1, 2).reshape(b, t, self.heads * self.d), pre + "self_attn.o_proj")
            hs = rms_norm(x, self.p[pre + "post_attention_layernorm.weight"], self.eps)
            x = x + self.linear(F.silu(self.linear(hs, pre + "mlp.gate_proj")) * self.linear(hs, pre + "mlp.up_proj"), pre + "mlp.down_proj")
        x = rms_norm(x[:, -1], self.p["model.norm.weight"], self.eps)
        return F.linear(x, self.head), new_cache


def left_padded(prompts, pad):
    width = max(len(p) for p in prompts)
    ids = torch.full((len(prompts), width), pad, dtype=torch.int64)
    positions = torch.zeros((len(prompts), width), dtype=torch.int64)
    mask = torch.zeros((len(prompts), width))
    for i, p in enumerate(prompts):
        off = width - len(p)
        ids[i, off:] = torch.tensor(p)
        positions[i, off:] = torch.arange(len(p))
        mask[i, off:] = 1
    return ids, positions, mask


def generate(model, prompts, max_new, use_cache, pad=0):
    ids, positions, mask = left_padded(prompts, pad)
    b = ids.shape[0]
    generated = []
    logits, cache = model.forward_last(ids, positions, mask, [] if use_cache else None)
    token = logits.argmax(-1)
    generated.append(token)
    next_pos = positions[:, -1] + 1
    for _ in range(max_new - 1):
        mask = torch.cat((mask, torch.ones(b, 1)), dim=1)
        if use_cache:
            logits, cache = model.forward_last(token[:, None], next_pos[:, None], mask, cache)
        else:
            ids = torch.cat((ids, token[:, None]), dim=1)
            positions = torch.cat((positions, next_pos[:, None]), dim=1)
            logits, _ = model.forward_last(ids, positions, mask, None)
        token = logits.argmax(-1)
        generated.append(token)
        next_pos = next_pos + 1
    return torch.stack(generated, dim=1)


def timed(model, prompts, max_new, use_cache, repeats):
    generate(model, prompts, max_new, use_cache)  # warm-up
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        tokens = generate(model, prompts, max_new, use_cache)
        seconds.append(time.perf_counter() - start)
    return min(seconds), tokens  # best run: interference only adds time


def serve(model, prompts, max_new):
    with torch.inference_mode():
        generate(model, prompts, max_new, True)  # warm-up
        generate(model, prompts, max_new, False)
        for line in sys.stdin:
            use_cache = line.strip() == "kv"
            start, cpu_start = time.perf_counter(), time.thread_time()
            tokens = generate(model, prompts, max_new, use_cache)
            cpu = time.thread_time() - cpu_start
            seconds = time.perf_counter() - start
            print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "tokens": tokens.tolist()}), flush=True)


def main():
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    model_dir = pathlib.Path(sys.argv[1])
    spec = json.loads((model_dir / "prompts.json").read_text())
    prompts, max_new = spec["prompts"], spec["max_new_tokens"]
    model = Model(model_dir)
    if len(sys.argv) > 2 and sys.argv[2] == "--serve":
        serve(model, prompts, max_new)
        return
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    with torch.inference_mode():
        cache_s, tokens = timed(model, prompts, max_new, True, repeats)
        recompute_s, tokens_nc = timed(model, prompts, max_new, False, repeats)
    produced = len(prompts) * max_new
    print(
        json.dumps(
            {
                "torch": torch.__version__,
                "cache_seconds": cache_s,
                "recompute_seconds": recompute_s,
                "cache_tokens_per_s": produced / cache_s,
                "recompute_tokens_per_s": produced / recompute_s,
                "cache_equals_recompute": bool(torch.equal(tokens, tokens_nc)),
                "tokens": tokens.tolist(),
            }
        )
    )


if __name__ == "__main__":
    main()
