#!/usr/bin/env python3
"""Plain PyTorch reference of the Llama/Qwen2 decoder, for parity tests of the Java policy model.

Written from the Hugging Face LlamaForCausalLM / Qwen2ForCausalLM equations (no transformers
import): RMSNorm, rotary embeddings with rotate_half, grouped-query attention with a causal mask,
SwiGLU MLP, final norm, lm_head (optionally tied to the embeddings).

For each case it writes into policy/src/test/resources/parity/<case>/:
  config.json          Hugging Face style configuration
  model.safetensors    float32 weights with Hugging Face names (hand-written safetensors)
  expected.safetensors input_ids (B, L) int64, right-padded with 0; attention_mask (B, L) int64;
                       prompt_lengths (B,) and completion_lengths (B,) int64;
                       logits (B, L, V) float32, each sequence run ALONE (unpadded), zeros on padding;
                       log_probs and entropy (B, C) float32 of the completion tokens, zeros on padding.

Usage: /usr/bin/python3 policy/src/test/python/reference_model.py [output_dir]
"""

import json
import math
import pathlib
import struct
import sys

import torch
import torch.nn.functional as F

CASES = {
    # Llama with grouped-query attention (3 query heads per key/value head), untied lm_head.
    "llama_gqa": dict(
        seed=1234,
        config=dict(
            model_type="llama",
            hidden_size=48,
            intermediate_size=80,
            num_hidden_layers=2,
            num_attention_heads=6,
            num_key_value_heads=2,
            vocab_size=61,
            max_position_embeddings=64,
            rms_norm_eps=1e-5,
            rope_theta=10000.0,
            tie_word_embeddings=False,
            attention_bias=False,
        ),
        lengths=[(5, 7), (9, 3), (3, 11)],
    ),
    # Qwen2: q/k/v biases, tied embeddings, large rope_theta, GQA 2:1.
    "qwen2_tied": dict(
        seed=99,
        config=dict(
            model_type="qwen2",
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=3,
            num_attention_heads=4,
            num_key_value_heads=2,
            vocab_size=40,
            max_position_embeddings=64,
            rms_norm_eps=1e-6,
            rope_theta=1000000.0,
            tie_word_embeddings=True,
        ),
        lengths=[(4, 8), (12, 2), (1, 5), (6, 0)],
    ),
    # Llama with attention_bias (q/k/v/o biases), plain multi-head attention, tied embeddings.
    "llama_bias_mha": dict(
        seed=7,
        config=dict(
            model_type="llama",
            hidden_size=32,
            intermediate_size=48,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=4,
            vocab_size=37,
            max_position_embeddings=64,
            rms_norm_eps=1e-6,
            rope_theta=500000.0,
            tie_word_embeddings=True,
            attention_bias=True,
        ),
        lengths=[(7, 6), (2, 9)],
    ),
    # Long sequences (rotary phases up to position 299), GQA 4:1, untied.
    "llama_long": dict(
        seed=2024,
        config=dict(
            model_type="llama",
            hidden_size=32,
            intermediate_size=40,
            num_hidden_layers=1,
            num_attention_heads=4,
            num_key_value_heads=1,
            vocab_size=29,
            max_position_embeddings=512,
            rms_norm_eps=1e-5,
            rope_theta=10000.0,
            tie_word_embeddings=False,
        ),
        lengths=[(180, 120), (40, 60)],
    ),
}


def parameter_shapes(c):
    h = c["hidden_size"]
    d = h // c["num_attention_heads"]
    q = c["num_attention_heads"] * d
    kv = c["num_key_value_heads"] * d
    inter = c["intermediate_size"]
    qwen2 = c["model_type"] == "qwen2"
    qkv_bias = qwen2 or c.get("attention_bias", False)
    o_bias = (not qwen2) and c.get("attention_bias", False)
    shapes = {"model.embed_tokens.weight": (c["vocab_size"], h)}
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        shapes[p + "input_layernorm.weight"] = (h,)
        for name, out in (("q_proj", q), ("k_proj", kv), ("v_proj", kv)):
            shapes[p + f"self_attn.{name}.weight"] = (out, h)
            if qkv_bias:
                shapes[p + f"self_attn.{name}.bias"] = (out,)
        shapes[p + "self_attn.o_proj.weight"] = (h, q)
        if o_bias:
            shapes[p + "self_attn.o_proj.bias"] = (h,)
        shapes[p + "post_attention_layernorm.weight"] = (h,)
        shapes[p + "mlp.gate_proj.weight"] = (inter, h)
        shapes[p + "mlp.up_proj.weight"] = (inter, h)
        shapes[p + "mlp.down_proj.weight"] = (h, inter)
    shapes["model.norm.weight"] = (h,)
    if not c["tie_word_embeddings"]:
        shapes["lm_head.weight"] = (c["vocab_size"], h)
    return shapes


def random_parameters(c, generator):
    """Weights big enough that logits are far from uniform, so parity is a sharp test."""
    params = {}
    for name, shape in parameter_shapes(c).items():
        if name.endswith("norm.weight"):
            t = 1.0 + 0.1 * torch.randn(shape, generator=generator)
        elif name.endswith(".bias"):
            t = 0.1 * torch.randn(shape, generator=generator)
        elif name == "model.embed_tokens.weight":
            t = 0.5 * torch.randn(shape, generator=generator)
        else:
            t = 0.15 * torch.randn(shape, generator=generator)
        params[name] = t.float().contiguous()
    return params


def rms_norm(x, weight, eps):
    variance = x.pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(variance + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def forward(params, c, ids):
    """Logits (T, V) of one unpadded sequence ids (T,)."""
    h = c["hidden_size"]
    n_heads = c["num_attention_heads"]
    n_kv = c["num_key_value_heads"]
    d = h // n_heads
    eps = c["rms_norm_eps"]
    t = ids.shape[0]
    inv_freq = (1.0 / (c["rope_theta"] ** (torch.arange(0, d, 2, dtype=torch.float64) / d))).float()
    freqs = torch.arange(t, dtype=torch.float32)[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()
    causal = torch.full((t, t), float("-inf")).triu(1)

    def linear(x, prefix):
        return F.linear(x, params[prefix + ".weight"], params.get(prefix + ".bias"))

    x = params["model.embed_tokens.weight"][ids]
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        hs = rms_norm(x, params[p + "input_layernorm.weight"], eps)
        q = linear(hs, p + "self_attn.q_proj").view(t, n_heads, d).transpose(0, 1)
        k = linear(hs, p + "self_attn.k_proj").view(t, n_kv, d).transpose(0, 1)
        v = linear(hs, p + "self_attn.v_proj").view(t, n_kv, d).transpose(0, 1)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(n_heads // n_kv, dim=0)
        v = v.repeat_interleave(n_heads // n_kv, dim=0)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(d) + causal
        attn = torch.softmax(scores, dim=-1) @ v
        x = x + linear(attn.transpose(0, 1).reshape(t, n_heads * d), p + "self_attn.o_proj")
        hs = rms_norm(x, params[p + "post_attention_layernorm.weight"], eps)
        gated = F.silu(linear(hs, p + "mlp.gate_proj")) * linear(hs, p + "mlp.up_proj")
        x = x + linear(gated, p + "mlp.down_proj")
    x = rms_norm(x, params["model.norm.weight"], eps)
    head = params["model.embed_tokens.weight" if c["tie_word_embeddings"] else "lm_head.weight"]
    return F.linear(x, head)


def write_safetensors(path, tensors):
    """Minimal safetensors writer: u64 little-endian header size, JSON header, raw data."""
    dtypes = {torch.float32: "F32", torch.int64: "I64"}
    header, blobs, offset = {}, [], 0
    for name, tensor in tensors.items():
        data = tensor.contiguous().numpy().tobytes()
        header[name] = {
            "dtype": dtypes[tensor.dtype],
            "shape": list(tensor.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        blobs.append(data)
        offset += len(data)
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    encoded += b" " * ((8 - len(encoded) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for blob in blobs:
            f.write(blob)


def make_case(out_dir, name, spec):
    c = dict(spec["config"])
    c["head_dim"] = c["hidden_size"] // c["num_attention_heads"]
    generator = torch.Generator().manual_seed(spec["seed"])
    params = random_parameters(c, generator)
    lengths = spec["lengths"]
    batch = len(lengths)
    total = max(p + q for p, q in lengths)
    width = max(1, max(q for _, q in lengths))
    vocab = c["vocab_size"]
    input_ids = torch.zeros(batch, total, dtype=torch.int64)
    attention_mask = torch.zeros(batch, total, dtype=torch.int64)
    logits = torch.zeros(batch, total, vocab)
    log_probs = torch.zeros(batch, width)
    entropy = torch.zeros(batch, width)
    with torch.no_grad():
        for b, (prompt_len, completion_len) in enumerate(lengths):
            t = prompt_len + completion_len
            ids = torch.randint(0, vocab, (t,), generator=generator)
            input_ids[b, :t] = ids
            attention_mask[b, :t] = 1
            seq_logits = forward(params, c, ids)
            logits[b, :t] = seq_logits
            if completion_len:
                lsm = torch.log_softmax(seq_logits[prompt_len - 1 : t - 1], dim=-1)
                targets = ids[prompt_len:t]
                log_probs[b, :completion_len] = lsm.gather(-1, targets[:, None]).squeeze(-1)
                entropy[b, :completion_len] = -(lsm.exp() * lsm).sum(-1)
    case_dir = out_dir / name
    case_dir.mkdir(parents=True, exist_ok=True)
    (case_dir / "config.json").write_text(json.dumps(c, indent=2) + "\n")
    write_safetensors(case_dir / "model.safetensors", params)
    write_safetensors(
        case_dir / "expected.safetensors",
        {
            "input_ids": input_ids,
            "attention_mask": attention_mask,
            "prompt_lengths": torch.tensor([p for p, _ in lengths], dtype=torch.int64),
            "completion_lengths": torch.tensor([q for _, q in lengths], dtype=torch.int64),
            "logits": logits,
            "log_probs": log_probs,
            "entropy": entropy,
        },
    )
    print(f"{name}: batch {batch}, length {total}, |logits| max {logits.abs().max():.3f}")


def main():
    default = pathlib.Path(__file__).resolve().parents[1] / "resources" / "parity"
    out_dir = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else default
    torch.set_num_threads(1)
    for name, spec in CASES.items():
        make_case(out_dir, name, spec)


if __name__ == "__main__":
    main()
