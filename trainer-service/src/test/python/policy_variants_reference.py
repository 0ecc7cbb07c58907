#!/usr/bin/env python3
"""Independent numpy reference for GSPO, CISPO and the RLOO / REINFORCE++-baseline estimators.

Transcribed from the anchors' published formulas, not from the Java code:

  GSPO   verl core_algos.compute_policy_loss_gspo, TRL GRPOTrainer._compute_loss with
         importance_sampling_level="sequence": s_i = exp(masked mean of log pi - log pi_old),
         per-token ratio sg[s_i] * pi/sg[pi], loss -min(s A, clip(s, 1-el, 1+eh) A),
         seq-mean-token-mean aggregation.
  CISPO  verl core_algos.compute_policy_loss_cispo: -sg(clip(r, 1-el, 1+eh)) * A * log pi,
         aggregated by the run's aggregation.
  RLOO   verl compute_rloo_outcome_advantage: r*n/(n-1) - mean*n/(n-1).
  RF++b  verl compute_reinforce_plus_plus_baseline_outcome_advantage: r - group mean, broadcast to
         the response tokens, then verl_F.masked_whiten (token-weighted mean, Bessel-corrected
         masked variance, (x - mean) * rsqrt(var + 1e-8)); masked_mean divides by (sum + 1e-8).
  GRPO   TRL: (r - nanmean) / (nanstd + eps), or no division (Dr. GRPO).

Unscorable (NaN) rewards follow the project's rule for GRPO (TRL's): left out of every statistic,
advantage 0; a lone scorable reward in a group has no leave-one-out baseline and gets 0.

The gradient w.r.t. log pi is written out by hand from the stop-gradient structure of each loss and
checked here against central finite differences before the fixture is written (GSPO: of the loss
itself, whose gradient equals the sg form's under seq-mean-token-mean; CISPO: of the loss with
log pi and log pi_old moved together, which holds the clipped weight still).

Writes trainer-service/src/test/resources/grpo/policy_variant_cases.json.
Run from the repository root with any python3 that has numpy:
  python3 trainer-service/src/test/python/policy_variants_reference.py
"""

import itertools
import json
import math
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "resources", "grpo", "policy_variant_cases.json"))

G = 4
B = 12
T = 7


# ----------------------------------------------------------------------------- advantages


def nanmean_groups(r):
    groups = r.reshape(-1, G)
    out = np.full(groups.shape[0], np.nan)
    for k, g in enumerate(groups):
        valid = g[~np.isnan(g)]
        if valid.size:
            out[k] = valid.mean()
    return np.repeat(out, G)


def nanstd_bessel(x):
    valid = x[~np.isnan(x)]
    if valid.size < 2:
        return np.nan
    return math.sqrt(((valid - valid.mean()) ** 2).sum() / (valid.size - 1))


def adv_grpo(r, scale, eps):
    mean = nanmean_groups(r)
    if scale == "batch":
        std = np.full_like(r, nanstd_bessel(r))
    else:
        std = np.repeat([nanstd_bessel(g) for g in r.reshape(-1, G)], G)
    a = r - mean
    if scale != "none":
        a = a / (std + eps)
    return np.where(np.isnan(a), 0.0, a)


def adv_rloo(r):
    out = np.zeros_like(r)
    for k, g in enumerate(r.reshape(-1, G)):
        valid = ~np.isnan(g)
        n = int(valid.sum())
        if n < 2:
            continue
        mean = g[valid].mean()
        for j in range(G):
            if valid[j]:
                out[k * G + j] = g[j] * n / (n - 1) - mean * n / (n - 1)
    return out


def masked_mean(values, mask):
    return (values * mask).sum() / (mask.sum() + 1e-8)


def adv_rfpp_baseline(r, token_mask):
    """token_mask: [B,T] effective completion mask; NaN rows are dropped from the statistics."""
    centred = r - nanmean_groups(r)
    valid = ~np.isnan(centred)
    mask = token_mask * valid[:, None]
    scores = np.where(valid, centred, 0.0)[:, None] * mask
    w = mask.sum()
    if w < 2:
        return np.zeros_like(r)
    mean = masked_mean(scores, mask)
    var = masked_mean((scores - mean) ** 2, mask) * (w / (w - 1))
    rstd = 1.0 / math.sqrt(var + 1e-8)
    out = (np.where(valid, centred, 0.0) - mean) * rstd
    return np.where(valid, out, 0.0)


def advantages(r, estimator, token_mask, scale="group", eps=1e-4):
    if estimator == "grpo":
        return adv_grpo(r, scale, eps)
    if estimator == "dr_grpo":
        return adv_grpo(r, "none", eps)
    if estimator == "rloo":
        return adv_rloo(r)
    if estimator == "reinforce_plus_plus_baseline":
        return adv_rfpp_baseline(r, token_mask)
    raise ValueError(estimator)


# ----------------------------------------------------------------------------- losses


def agg_coefficients(mask, cfg):
    """c[i,t] with loss = sum c * l (every aggregation is linear in the per-token loss)."""
    acc = cfg["grad_accum"]
    agg = cfg["agg"]
    if agg == "grpo":
        return mask / np.maximum(mask.sum(1, keepdims=True), 1.0) / mask.shape[0] / acc
    if agg == "bnpo":
        return mask / max(mask.sum(), 1.0) / acc
    if agg == "dr_grpo":
        return mask / (mask.shape[0] * cfg["max_completion_length"]) / acc
    if agg == "dapo":
        return mask / (cfg["global_tokens"] / cfg["num_processes"])
    raise ValueError(agg)


def per_token(logp, old, ref, mask, adv, cfg):
    """Per-token loss value, its sg-gradient w.r.t. logp, and the clip flags."""
    el, eh = cfg["eps_low"], cfg["eps_high"]
    a = adv[:, None]
    if cfg["objective"] == "gspo":
        n = np.maximum(mask.sum(1), 1.0)
        seq_log = ((logp - old) * mask).sum(1) / n
        s = np.exp(seq_log)[:, None] * np.ones_like(logp)
        clipped = np.clip(s, 1 - el, 1 + eh)
        loss = -np.minimum(s * a, clipped * a)
        # the unclipped branch carries gradient s * d log pi unless the clip bites
        bites = ((a > 0) & (s > 1 + eh)) | ((a < 0) & (s < 1 - el))
        grad = np.where(bites, 0.0, -a * s)
        seq_s = np.exp(seq_log)
        low = (seq_s < 1 - el) & (adv < 0)
        high = (seq_s > 1 + eh) & (adv > 0)
    elif cfg["objective"] == "cispo":
        r = np.exp(logp - old)
        w = np.clip(r, 1 - el, 1 + eh)
        loss = -w * a * logp
        grad = -w * a * np.ones_like(logp)
        low = r < 1 - el
        high = r > 1 + eh
    else:
        raise ValueError(cfg["objective"])
    if cfg["beta"] != 0.0:
        d = ref - logp
        kl = np.exp(d) - d - 1.0
        loss = loss + cfg["beta"] * kl
        grad = grad + cfg["beta"] * (1.0 - np.exp(d))
    return loss, grad, low, high


def effective_mask(inp, cfg):
    mask = inp["mask"].copy()
    if cfg["mask_truncated"]:
        mask = mask * (1.0 - inp["truncated"])[:, None]
    return mask


def total_loss(logp, old, inp, cfg, adv):
    mask = effective_mask(inp, cfg)
    loss, _, _, _ = per_token(logp, old, inp["ref"], mask, adv, cfg)
    return (agg_coefficients(mask, cfg) * loss).sum()


def evaluate(inp, cfg, adv):
    logp = inp["logp"]
    old = logp.copy() if cfg["on_policy"] else inp["old"]
    mask = effective_mask(inp, cfg)
    loss_t, grad_t, low, high = per_token(logp, old, inp["ref"], mask, adv, cfg)
    c = agg_coefficients(mask, cfg)
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
    check_gradient(inp, cfg, adv, old, grad)
    return loss, grad, metrics


def check_gradient(inp, cfg, adv, old, grad):
    h = 1e-6
    logp = inp["logp"]
    worst = 0.0
    for i in range(B):
        for t in range(T):
            e = np.zeros_like(logp)
            e[i, t] = h
            # CISPO's weight is sg(clip(r)): move old with logp so r, hence the weight, stays put.
            # GSPO's sg gradient equals the derivative of its value with old held fixed (also
            # on-policy, where old is the detached logp at this point).
            shift_old = cfg["objective"] == "cispo"
            up = total_loss(logp + e, old + (e if shift_old else 0), inp, cfg, adv)
            dn = total_loss(logp - e, old - (e if shift_old else 0), inp, cfg, adv)
            fd = (up - dn) / (2 * h)
            worst = max(worst, abs(fd - grad[i, t]) / max(1.0, abs(grad[i, t])))
    assert worst < 1e-5, (cfg, worst)


# ----------------------------------------------------------------------------- inputs


def make_inputs(seed, kind):
    rng = np.random.default_rng(seed)
    logp = -(0.05 + 2.5 * rng.random((B, T)))
    if kind == "near":
        # sequence log ratios of a few 1e-4: GSPO's 3e-4/4e-4 clip splits them
        old = logp - 1e-3 * rng.standard_normal((B, T))
    else:
        old = logp - 0.35 * rng.standard_normal((B, T))
    if kind == "extreme":
        old[1, 0] = logp[1, 0] - 12.0  # token ratio e^12
        old[4, :] = logp[4, :] + 9.0  # every token ratio e^-9: sequence ratio e^-9
        old[7, 2] = logp[7, 2] + 15.0
        old[9, :] = logp[9, :] - 6.0
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
    if kind == "extreme":
        rewards[9] = np.nan
        rewards[10] = np.nan
        rewards[11] = np.nan  # a group with one scorable reward left
    return {"logp": logp, "old": old, "ref": ref, "mask": mask, "truncated": truncated, "rewards": rewards}


def tensor_json(t):
    def num(x):
        return None if math.isnan(x) else float(x)

    if t.ndim == 2:
        return [[num(x) for x in row] for row in t.tolist()]
    return [num(x) for x in t.tolist()]


def estimator_cases(rng_seed=7):
    """Advantages alone on many random reward batches with token counts."""
    rng = np.random.default_rng(rng_seed)
    cases = []
    for k in range(240):
        groups = int(rng.integers(1, 6))
        n = groups * G
        kind = k % 4
        if kind == 0:
            r = rng.integers(0, 2, size=n).astype(float)  # binary accuracy rewards
        elif kind == 1:
            r = np.round(rng.normal(0.0, 2.0, size=n), 4)
        elif kind == 2:
            r = rng.normal(0.0, 1e-3, size=n) + 5.0  # nearly equal
        else:
            r = np.full(n, 0.1)  # all equal, non-representable
        if k % 3 == 0:
            r[rng.integers(0, n)] = np.nan
        if k % 7 == 0 and groups > 1:
            r[G : G + G - 1] = np.nan  # one scorable sample in group 2
        if k % 11 == 0:
            r[:G] = np.nan  # a wholly unscorable group
        lengths = rng.integers(0, 40, size=n).astype(float)
        mask = np.zeros((n, 40))
        for i, ln in enumerate(lengths):
            mask[i, : int(ln)] = 1.0
        expected = {}
        for est in ["grpo", "dr_grpo", "rloo", "reinforce_plus_plus_baseline"]:
            expected[est] = tensor_json(advantages(r, est, mask))
        expected["grpo_batch"] = tensor_json(adv_grpo(r, "batch", 1e-4))
        cases.append({"rewards": tensor_json(r), "tokens": lengths.tolist(), "expected": expected})
    return cases


def objective_cases():
    inputs = {
        "mixed": make_inputs(11, "mixed"),
        "mixed2": make_inputs(12, "mixed"),
        "near": make_inputs(13, "near"),
        "extreme": make_inputs(14, "extreme"),
    }
    cases = []

    def case(input_name, **cfg_over):
        cfg = {
            "objective": "gspo",
            "estimator": "grpo",
            "agg": "grpo",
            "eps_low": 3e-4,
            "eps_high": 4e-4,
            "beta": 0.0,
            "mask_truncated": False,
            "on_policy": False,
            "grad_accum": 1,
            "num_processes": 1,
            "max_completion_length": T + 3,
        }
        cfg.update(cfg_over)
        inp = inputs[input_name]
        mask = effective_mask(inp, cfg)
        cfg["global_tokens"] = cfg_over.get("global_tokens", float(mask.sum()))
        adv = advantages(inp["rewards"], cfg["estimator"], mask)
        loss, grad, metrics = evaluate(inp, cfg, adv)
        name = "-".join(f"{k}={v}" for k, v in cfg_over.items()) + f"@{input_name}"
        cases.append(
            {
                "name": name,
                "input": input_name,
                "config": cfg,
                "expected": {
                    "advantages": tensor_json(adv),
                    "loss": loss,
                    "grad": tensor_json(grad),
                    "metrics": metrics,
                },
            }
        )

    estimators = ["grpo", "dr_grpo", "rloo", "reinforce_plus_plus_baseline"]
    for inp, est, beta, masked, eps in itertools.product(
        inputs, estimators, [0.0, 0.04], [False, True], [(3e-4, 4e-4), (0.2, 0.28)]
    ):
        case(inp, objective="gspo", estimator=est, beta=beta, mask_truncated=masked,
             eps_low=eps[0], eps_high=eps[1])
    for inp, est, agg, beta, masked, eps in itertools.product(
        inputs, estimators, ["grpo", "bnpo", "dr_grpo", "dapo"], [0.0, 0.04], [False, True],
        [(0.2, 0.28), (1.0, 4.0)],
    ):
        case(inp, objective="cispo", estimator=est, agg=agg, beta=beta, mask_truncated=masked,
             eps_low=eps[0], eps_high=eps[1])
    for inp in inputs:
        case(inp, objective="gspo", on_policy=True, beta=0.04)
        case(inp, objective="cispo", agg="dapo", on_policy=True, beta=0.04)
        case(inp, objective="gspo", grad_accum=2)
        case(inp, objective="cispo", agg="bnpo", grad_accum=4, estimator="rloo")
        case(inp, objective="cispo", agg="dapo", global_tokens=150.0, num_processes=2)
    return {
        "group_size": G,
        "inputs": {n: {k: tensor_json(v) for k, v in i.items()} for n, i in inputs.items()},
        "cases": cases,
    }


def main():
    fixture = objective_cases()
    fixture["estimator_cases"] = estimator_cases()
    with open(OUT, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
    print(f"wrote {len(fixture['cases'])} objective cases, {len(fixture['estimator_cases'])} estimator cases to {OUT}")


if __name__ == "__main__":
    main()
