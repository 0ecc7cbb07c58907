#!/usr/bin/env python3
"""Independent numpy reference for the rollout/trainer mismatch correction.

Transcribed from the anchors' published formulas, not from the Java code. With r = exp(log pi_old -
log pi_rollout) per token (always without gradient):

  truncated_is   per-token policy loss * min(r, C): TRL vllm_importance_sampling_mode=token_truncate
                 (vllm_importance_sampling_cap), verl rollout_is=token (rollout_is_threshold),
                 OpenRLHF tis.
  mask_token     tokens with r outside [lo, hi] leave the mask, hence every term and normaliser
                 (verl rollout_rs=token rewrites response_mask; OpenRLHF icepop, TRL token_mask).
  mask_sequence  sequences whose geometric-mean ratio exp(masked mean of log r) is outside [lo, hi]
                 leave the mask (verl rollout_rs=geometric, OpenRLHF seq-mask-tis); TRL's
                 sequence_mask uses the product exp(sum log r) instead.
  a cap with a mask mode also weights the kept tokens by min(r, C) (OpenRLHF seq-mask-tis).

The policy losses are the clipped surrogate (verl compute_policy_loss_vanilla without dual clip,
TRL's token-level loss), GSPO and CISPO as in policy_variants_reference.py; the KL term (k3, beta)
is not weighted but is masked. The metrics over the valid (pre-correction) tokens: k1 = mean of
log pi_rollout - log pi_old (OpenRLHF vllm_kl), k3 = mean of r - 1 - log r, mean and max of r, and
the fraction of valid tokens the correction masked.

The gradient w.r.t. log pi is written out by hand and checked here against central finite
differences before the fixture is written: the correction's weights and mask are computed once from
the unperturbed pi_old (they carry no gradient), for CISPO pi_old moves with log pi to hold its
own clipped weight still, and GSPO is differentiated in its per-token form with the sequence ratio
frozen (with unequal correction weights the derivative of its loss value is not its sg gradient).

Writes trainer-service/src/test/resources/grpo/rollout_correction_cases.json.
Run from the repository root with any python3 that has numpy:
  python3 trainer-service/src/test/python/rollout_correction_reference.py
"""

import itertools
import json
import math
import os

import numpy as np

from policy_variants_reference import adv_grpo, agg_coefficients, tensor_json

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "resources", "grpo", "rollout_correction_cases.json"))

G = 4
B = 12
T = 7


# ----------------------------------------------------------------------------- correction


def correction(old, rollout, valid, corr):
    """(weights or None, corrected mask, metrics) for one batch."""
    log_r = old - rollout
    r = np.exp(log_r)
    mode = corr["mode"]
    kept = valid.copy()
    if mode == "mask_token":
        kept = valid * ((r >= corr["lower"]) & (r <= corr["upper"]))
    elif mode == "mask_sequence":
        geo = np.exp((log_r * valid).sum(1) / np.maximum(valid.sum(1), 1.0))
        kept = valid * ((geo >= corr["lower"]) & (geo <= corr["upper"]))[:, None]
    weights = None
    if corr.get("cap") is not None:
        weights = np.minimum(r, corr["cap"])
    n = valid.sum()
    metrics = {
        "kl_k1": float(-(log_r * valid).sum() / n),
        "kl_k3": float(((r - 1.0 - log_r) * valid).sum() / n),
        "is_weight_mean": float((r * valid).sum() / n),
        "is_weight_max": float(r[valid > 0].max()),
        "masked_fraction": float(1.0 - kept.sum() / n),
    }
    return weights, kept, metrics


# ----------------------------------------------------------------------------- losses


def per_token(logp, old, ref, mask, adv, cfg):
    """Per-token loss value, its sg-gradient w.r.t. logp, and the clip flags."""
    el, eh = cfg["eps_low"], cfg["eps_high"]
    a = adv[:, None]
    objective = cfg["objective"]
    if objective == "clip":
        r = np.exp(logp - old)
        clipped = np.clip(r, 1 - el, 1 + eh)
        loss = -np.minimum(r * a, clipped * a)
        bites = ((a > 0) & (r > 1 + eh)) | ((a < 0) & (r < 1 - el))
        grad = np.where(bites, 0.0, -a * r)
        low = (r < 1 - el) & (a < 0)
        high = (r > 1 + eh) & (a > 0)
    elif objective == "gspo":
        n = np.maximum(mask.sum(1), 1.0)
        seq_log = ((logp - old) * mask).sum(1) / n
        s = np.exp(seq_log)[:, None] * np.ones_like(logp)
        clipped = np.clip(s, 1 - el, 1 + eh)
        loss = -np.minimum(s * a, clipped * a)
        bites = ((a > 0) & (s > 1 + eh)) | ((a < 0) & (s < 1 - el))
        grad = np.where(bites, 0.0, -a * s)
        seq_s = np.exp(seq_log)
        low = (seq_s < 1 - el) & (adv < 0)
        high = (seq_s > 1 + eh) & (adv > 0)
    elif objective == "cispo":
        r = np.exp(logp - old)
        w = np.clip(r, 1 - el, 1 + eh)
        loss = -w * a * logp
        grad = -w * a * np.ones_like(logp)
        low = r < 1 - el
        high = r > 1 + eh
    else:
        raise ValueError(objective)
    return loss, grad, low, high


def kl_term(logp, ref, cfg):
    d = ref - logp
    return cfg["beta"] * (np.exp(d) - d - 1.0), cfg["beta"] * (1.0 - np.exp(d))


def coefficients(mask, cfg):
    c = dict(cfg)
    c["global_tokens"] = max(1.0, float(mask.sum()))  # DAPO: this micro-batch is the whole step
    return agg_coefficients(mask, c)


def gspo_surrogate(logp, base, old, mask, adv, cfg):
    """GSPO's per-token form sg[s] * exp(log pi - sg[log pi]) with s frozen at the unperturbed
    log pi: its derivative at that point is the sg gradient, also when the tokens carry different
    correction weights (the loss value's own derivative then averages the weights instead)."""
    el, eh = cfg["eps_low"], cfg["eps_high"]
    n = np.maximum(mask.sum(1), 1.0)
    s0 = np.exp(((base - old) * mask).sum(1) / n)[:, None]
    r = s0 * np.exp(logp - base)
    a = adv[:, None]
    return -np.minimum(r * a, np.clip(r, 1 - el, 1 + eh) * a)


def total_loss(logp, old, inp, cfg, adv, weights, mask):
    if cfg["objective"] == "gspo":
        loss = gspo_surrogate(logp, inp["logp"], old, mask, adv, cfg)
    else:
        loss, _, _, _ = per_token(logp, old, inp["ref"], mask, adv, cfg)
    if weights is not None:
        loss = loss * weights
    if cfg["beta"] != 0.0:
        loss = loss + kl_term(logp, inp["ref"], cfg)[0]
    return (coefficients(mask, cfg) * loss).sum()


def effective_mask(inp, cfg):
    mask = inp["mask"].copy()
    if cfg["mask_truncated"]:
        mask = mask * (1.0 - inp["truncated"])[:, None]
    return mask


def evaluate(inp, cfg, adv):
    logp = inp["logp"]
    old = logp.copy() if cfg["on_policy"] else inp["old"]
    valid = effective_mask(inp, cfg)
    weights, mask, mismatch = correction(old, inp["rollout"], valid, cfg["correction"])
    loss_t, grad_t, low, high = per_token(logp, old, inp["ref"], mask, adv, cfg)
    if weights is not None:
        loss_t = loss_t * weights
        grad_t = grad_t * weights
    if cfg["beta"] != 0.0:
        kl, dkl = kl_term(logp, inp["ref"], cfg)
        loss_t = loss_t + kl
        grad_t = grad_t + dkl
    c = coefficients(mask, cfg)
    loss = (c * loss_t).sum()
    grad = c * grad_t
    if cfg["objective"] == "gspo":
        fr = lambda f: f.astype(float).sum() / max(1.0, f.shape[0])  # noqa: E731  over sequences
    else:
        fr = lambda f: (f.astype(float) * mask).sum() / max(1.0, mask.sum())  # noqa: E731
    metrics = {
        "clip_ratio_low": fr(low),
        "clip_ratio_high": fr(high),
        "clip_ratio_region": fr(low | high),
    }
    metrics.update(mismatch)
    worst = check_gradient(inp, cfg, adv, old, grad, weights, mask)
    return loss, grad, metrics, worst


def check_gradient(inp, cfg, adv, old, grad, weights, mask):
    h = 1e-6
    logp = inp["logp"]
    worst = 0.0
    shift_old = cfg["objective"] == "cispo"
    for i in range(B):
        for t in range(T):
            e = np.zeros_like(logp)
            e[i, t] = h
            up = total_loss(logp + e, old + (e if shift_old else 0), inp, cfg, adv, weights, mask)
            dn = total_loss(logp - e, old - (e if shift_old else 0), inp, cfg, adv, weights, mask)
            fd = (up - dn) / (2 * h)
            worst = max(worst, abs(fd - grad[i, t]) / max(1.0, abs(grad[i, t])))
    assert worst < 1e-5, (cfg, worst)
    return worst


# ----------------------------------------------------------------------------- inputs


def make_inputs(seed, kind):
    rng = np.random.default_rng(seed)
    logp = -(0.05 + 2.5 * rng.random((B, T)))
    old = logp - 0.3 * rng.standard_normal((B, T))
    spread = {"mild": 0.05, "wide": 0.5, "extreme": 0.3}[kind]
    rollout = old + spread * rng.standard_normal((B, T))
    if kind == "extreme":
        rollout[1, 0] = old[1, 0] - 12.0  # r = e^12
        rollout[3, 2] = old[3, 2] + 15.0  # r = e^-15
        rollout[6, :] = old[6, :] - 3.0  # a whole sequence at r = e^3: above any band
        rollout[8, :] = old[8, :] + 1.0  # a whole sequence at r = e^-1: below 0.5
        rollout[10, :] = old[10, :]  # an exact match: r = 1
    ref = logp + 0.5 * rng.standard_normal((B, T))
    lengths = rng.integers(1, T + 1, size=B)
    lengths[0] = T
    mask = np.zeros((B, T))
    for i, n in enumerate(lengths):
        mask[i, :n] = 1.0
    truncated = np.zeros(B)
    for i in rng.choice(B, size=3, replace=False):
        truncated[i] = 1.0
        mask[i, :] = 1.0  # no EOS: the completion fills the row
    rewards = np.round(rng.normal(0.5, 1.0, size=B), 3)
    rewards[4:8] = 1.0  # a group of equal rewards
    rewards[1] = np.nan  # an unscorable sample
    return {
        "logp": logp,
        "old": old,
        "rollout": rollout,
        "ref": ref,
        "mask": mask,
        "truncated": truncated,
        "rewards": rewards,
    }


CORRECTIONS = [
    {"mode": "none"},
    {"mode": "truncated_is", "cap": 2.0},
    {"mode": "truncated_is", "cap": 1.05},
    {"mode": "mask_token", "lower": 0.5, "upper": 2.0},
    {"mode": "mask_token", "lower": 0.9, "upper": 1.1},
    {"mode": "mask_token", "lower": 0.5, "upper": 2.0, "cap": 1.5},
    {"mode": "mask_sequence", "lower": 0.5, "upper": 2.0},
    {"mode": "mask_sequence", "lower": 0.95, "upper": 1.05},
    {"mode": "mask_sequence", "lower": 0.5, "upper": 5.0, "cap": 2.0},
]


def cases():
    inputs = {k: make_inputs(seed, k) for seed, k in [(21, "mild"), (22, "wide"), (23, "extreme")]}
    out = []
    worst = 0.0
    objectives = [("clip", agg) for agg in ["grpo", "bnpo", "dr_grpo", "dapo"]]
    objectives += [("cispo", agg) for agg in ["grpo", "bnpo", "dr_grpo", "dapo"]]
    objectives += [("gspo", "grpo")]
    variants = [(0.0, False), (0.04, True)]  # (beta, mask truncated)
    for name, (objective, agg), corr, on_policy, (beta, masked) in itertools.product(
        inputs, objectives, CORRECTIONS, [False, True], variants
    ):
        eps = (3e-4, 4e-4) if objective == "gspo" else (0.2, 0.28)
        cfg = {
            "objective": objective,
            "agg": agg,
            "eps_low": eps[0],
            "eps_high": eps[1],
            "beta": beta,
            "mask_truncated": masked,
            "on_policy": on_policy,
            "grad_accum": 1,
            "num_processes": 1,
            "max_completion_length": T + 3,
            "correction": corr,
        }
        inp = inputs[name]
        adv = adv_grpo(inp["rewards"], "group", 1e-4)
        loss, grad, metrics, w = evaluate(inp, cfg, adv)
        worst = max(worst, w)
        label = "-".join(f"{k}={v}" for k, v in corr.items())
        out.append(
            {
                "name": f"{objective}/{agg}/{label}/beta={beta}/on_policy={on_policy}@{name}",
                "input": name,
                "config": cfg,
                "expected": {
                    "advantages": tensor_json(adv),
                    "loss": loss,
                    "grad": tensor_json(grad),
                    "metrics": metrics,
                },
            }
        )
    return inputs, out, worst


def main():
    inputs, out, worst = cases()
    fixture = {
        "group_size": G,
        "inputs": {n: {k: tensor_json(v) for k, v in i.items()} for n, i in inputs.items()},
        "cases": out,
    }
    with open(OUT, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
    print(f"wrote {len(out)} cases to {OUT}; worst finite-difference deviation {worst:.2e}")


if __name__ == "__main__":
    main()
