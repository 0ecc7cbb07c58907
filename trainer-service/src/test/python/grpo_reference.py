#!/usr/bin/env python3
"""Independent PyTorch reference for the Java GRPO objective and AdamW optimizer.

Written from the published formulas (TRL GRPOTrainer, verl core_algos, OpenRLHF loss/utils,
torch.optim.AdamW, HF transformers schedules) as summarised in
/work/shared/reference/grpo-frameworks.md, not from the Java code. It writes two fixtures that the
Java tests read, so the Java build never needs Python:

  trainer-service/src/test/resources/grpo/objective_cases.json
  trainer-service/src/test/resources/grpo/adamw_trajectory.json

Run from the repository root:  /usr/bin/python3 trainer-service/src/test/python/grpo_reference.py
"""

import itertools
import json
import math
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "resources", "grpo"))

DT = torch.float64


# ----------------------------------------------------------------------------- advantages


def nanstd_bessel(x):
    """Bessel-corrected std ignoring NaN (TRL's nanstd)."""
    valid = ~torch.isnan(x)
    n = valid.sum()
    mean = torch.nanmean(x)
    var = torch.nansum((x - mean) ** 2) / (n - 1)
    return torch.sqrt(var)


def advantages(rewards, group_size, scale, eps):
    groups = rewards.view(-1, group_size)
    mean = torch.stack([torch.nanmean(g) for g in groups]).repeat_interleave(group_size)
    if scale == "batch":
        std = nanstd_bessel(rewards).expand_as(rewards)
    else:
        std = torch.stack([nanstd_bessel(g) for g in groups]).repeat_interleave(group_size)
    adv = rewards - mean
    if scale != "none":
        adv = adv / (std + eps)
    return torch.where(torch.isnan(adv), torch.zeros_like(adv), adv)


# ----------------------------------------------------------------------------- KL estimators


def kl_per_token(logp, ref, estimator, clamp_style):
    if clamp_style == "verl":
        if estimator == "k1":
            return logp - ref
        if estimator == "k2":
            return 0.5 * (logp - ref) ** 2
        kl = torch.clamp(ref - logp, -20.0, 20.0)
        return torch.clamp(torch.exp(kl) - kl - 1.0, -10.0, 10.0)
    diff = logp - ref
    if estimator == "k1":
        out = diff
    elif estimator == "k2":
        out = diff**2 / 2.0
    else:
        out = torch.exp(-diff) - 1.0 + diff
    if clamp_style == "openrlhf":
        out = torch.clamp(out, -10.0, 10.0)
    return out


# ----------------------------------------------------------------------------- loss


def masked_mean_all(x, mask):
    return (x * mask).sum() / torch.clamp(mask.sum(), min=1.0)


def grpo_loss(inp, cfg, adv):
    logp = inp["logp"].clone().requires_grad_(True)
    old = logp.detach() if inp["old"] is None or cfg.get("on_policy") else inp["old"]
    mask = inp["mask"].clone()
    if cfg["mask_truncated"]:
        mask = mask * (1.0 - inp["truncated"]).unsqueeze(1)
    log_ratio = logp - old
    if cfg.get("log_ratio_clamp"):
        c = cfg["log_ratio_clamp"]
        log_ratio = torch.clamp(log_ratio, -c, c)
    coef1 = torch.exp(log_ratio)
    coef2 = torch.clamp(coef1, 1.0 - cfg["eps_low"], 1.0 + cfg["eps_high"])
    if cfg.get("delta"):
        coef1 = torch.clamp(coef1, max=cfg["delta"])
    a = adv.unsqueeze(1)
    per_token = -torch.min(coef1 * a, coef2 * a)
    dual_hit = torch.zeros_like(per_token)
    if cfg.get("dual_clip"):
        c = cfg["dual_clip"]
        capped = torch.min(per_token, -a * c)
        dual_hit = ((a < 0) & (per_token > -a * c)).to(DT)
        per_token = torch.where(a < 0, capped, per_token)
    kl = None
    if cfg["beta"] != 0.0:
        kl = kl_per_token(logp, inp["ref"], cfg["kl"], cfg["kl_clamp"])
        per_token = per_token + cfg["beta"] * kl
    if cfg.get("entropy_coef"):
        per_token = per_token - cfg["entropy_coef"] * inp["entropy"]

    agg = cfg["agg"]
    gas = cfg.get("grad_accum", 1)
    summed = (per_token * mask).sum()
    if agg == "grpo":
        loss = ((per_token * mask).sum(-1) / torch.clamp(mask.sum(-1), min=1.0)).mean() / gas
    elif agg == "bnpo":
        loss = summed / torch.clamp(mask.sum(), min=1.0) / gas
    elif agg == "dr_grpo":
        loss = summed / (per_token.shape[0] * cfg["max_completion_length"]) / gas
    elif agg == "dapo":
        loss = summed / (cfg["global_tokens"] / cfg.get("num_processes", 1))
    else:
        raise ValueError(agg)
    loss.backward()

    low = ((coef1 < 1.0 - cfg["eps_low"]) & (a < 0)).to(DT)
    high = ((coef1 > 1.0 + cfg["eps_high"]) & (a > 0)).to(DT)
    region = torch.clamp(low + high, max=1.0)
    metrics = {
        "clip_ratio_low": masked_mean_all(low, mask).item(),
        "clip_ratio_high": masked_mean_all(high, mask).item(),
        "clip_ratio_region": masked_mean_all(region, mask).item(),
        "dual_clip_ratio": masked_mean_all(dual_hit, mask).item(),
        "kl_mean": masked_mean_all(kl.detach(), mask).item() if kl is not None else 0.0,
        "entropy_mean": masked_mean_all(inp["entropy"], mask).item(),
    }
    return loss.item(), logp.grad.tolist(), metrics


# ----------------------------------------------------------------------------- inputs

B, T, G = 8, 6, 4


def make_inputs():
    g = torch.Generator().manual_seed(1234)
    logp = -(0.05 + 2.5 * torch.rand(B, T, generator=g, dtype=DT))
    # Log-ratios spread over the clip boundaries; a few explicit ones land in each region.
    old = logp - 0.35 * torch.randn(B, T, generator=g, dtype=DT)
    old[1, 0] = logp[1, 0] - 1.5  # ratio 4.48 on a negative-advantage row: dual clip bites
    old[6, 1] = logp[6, 1] - 1.3  # ratio 3.67, negative advantage
    old[4, 2] = logp[4, 2] - math.log(1.25)  # between 1+0.2 and 1+0.28 on a positive row
    old[0, 1] = logp[0, 1] - math.log(1.24)
    old[7, 0] = logp[7, 0] - math.log(0.7)  # below 1-0.2 on a negative row
    ref = logp + 0.5 * torch.randn(B, T, generator=g, dtype=DT)
    ref[2, 0] = logp[2, 0] + 3.0  # k3 = e^3 - 4 = 16.1 > 10: verl/OpenRLHF clamp
    ref[5, 1] = -12.0
    logp[5, 1] = -1.0  # logp - ref = 11: |k1| > 10 and k2 > 10 for the OpenRLHF clamp
    old[5, 1] = -1.1
    lengths = [6, 4, 6, 2, 5, 6, 3, 6]
    mask = torch.zeros(B, T, dtype=DT)
    for i, n in enumerate(lengths):
        mask[i, :n] = 1.0
    # A completion that hit the length limit has no EOS, so it fills the whole row.
    truncated = torch.tensor([0, 0, 1, 0, 0, 1, 0, 0], dtype=DT)
    rewards = torch.tensor([1.0, 0.0, float("nan"), 1.0, 0.5, 2.0, -1.0, 0.25], dtype=DT)
    entropy = 0.2 + 2.0 * torch.rand(B, T, generator=g, dtype=DT)
    return {
        "logp": logp,
        "old": old,
        "ref": ref,
        "mask": mask,
        "truncated": truncated,
        "rewards": rewards,
        "entropy": entropy,
    }


def extreme_inputs(base):
    inp = {k: v.clone() for k, v in base.items()}
    inp["old"][6, 2] = inp["logp"][6, 2] - 21.0  # ratio e^21: only the ±20 log-ratio clamp tames it
    return inp


def active_tokens(inp, mask_truncated):
    mask = inp["mask"]
    if mask_truncated:
        mask = mask * (1.0 - inp["truncated"]).unsqueeze(1)
    return mask.sum().item()


def tensor_json(t):
    # NaN (an unscorable reward) is written as null: strict JSON has no NaN literal.
    def num(x):
        return None if math.isnan(x) else float(x)

    return [[num(x) for x in row] for row in t.tolist()] if t.dim() == 2 else [num(x) for x in t.tolist()]


def objective_fixture():
    base = make_inputs()
    inputs = {"base": base, "extreme": extreme_inputs(base)}

    def case(name, input_name="base", **over):
        cfg = {
            "agg": "dapo",
            "scale": "group",
            "adv_eps": 1e-4,
            "kl": "k3",
            "kl_clamp": "none",
            "beta": 0.04,
            "eps_low": 0.2,
            "eps_high": 0.2,
            "dual_clip": None,
            "delta": None,
            "mask_truncated": False,
            "entropy_coef": 0.0,
            "log_ratio_clamp": None,
            "grad_accum": 1,
            "num_processes": 1,
            "max_completion_length": T,
            "on_policy": False,
        }
        cfg.update(over)
        inp = inputs[input_name]
        cfg["global_tokens"] = over.get("global_tokens", active_tokens(inp, cfg["mask_truncated"]))
        adv = advantages(inp["rewards"], G, cfg["scale"], cfg["adv_eps"])
        loss, grad, metrics = grpo_loss(inp, cfg, adv)
        return {
            "name": name,
            "input": input_name,
            "config": cfg,
            "expected": {"advantages": adv.tolist(), "loss": loss, "grad": grad, "metrics": metrics},
        }

    cases = []
    for agg, scale, kl, eps_high, dual, masked in itertools.product(
        ["grpo", "bnpo", "dr_grpo", "dapo"],
        ["group", "batch", "none"],
        ["k1", "k2", "k3"],
        [0.2, 0.28],
        [None, 3.0],
        [False, True],
    ):
        name = f"{agg}-{scale}-{kl}-eh{eps_high}-dual{dual}-mask{masked}"
        cases.append(
            case(name, agg=agg, scale=scale, kl=kl, eps_high=eps_high, dual_clip=dual, mask_truncated=masked)
        )
    for style, kl in itertools.product(["verl", "openrlhf"], ["k1", "k2", "k3"]):
        cases.append(case(f"klclamp-{style}-{kl}", kl=kl, kl_clamp=style, beta=0.001))
    cases.append(case("beta0-no-ref", beta=0.0))
    cases.append(case("entropy-bonus-grpo", agg="grpo", entropy_coef=0.01))
    cases.append(case("entropy-bonus-dapo-masked", entropy_coef=0.05, mask_truncated=True))
    cases.append(case("trl-delta", delta=1.5, eps_high=0.28))
    cases.append(case("extreme-no-clamp", "extreme", beta=0.0))
    cases.append(case("extreme-logratio-clamp", "extreme", beta=0.0, log_ratio_clamp=20.0))
    cases.append(case("extreme-logratio-clamp-dual", "extreme", beta=0.0, log_ratio_clamp=20.0, dual_clip=3.0))
    cases.append(case("on-policy-ratio-one", on_policy=True, beta=0.0))
    cases.append(case("grpo-grad-accum-2", agg="grpo", grad_accum=2))
    cases.append(case("bnpo-grad-accum-4", agg="bnpo", grad_accum=4))
    cases.append(case("dr-grpo-grad-accum-2-lmax-10", agg="dr_grpo", grad_accum=2, max_completion_length=10))
    cases.append(case("dapo-global-tokens-2-procs", global_tokens=90.0, num_processes=2))
    cases.append(case("adv-eps-verl", scale="group", adv_eps=1e-6))
    cases.append(case("adv-eps-openrlhf", scale="group", adv_eps=1e-9))

    return {
        "group_size": G,
        "inputs": {
            name: {k: tensor_json(v) for k, v in inp.items()} for name, inp in inputs.items()
        },
        "cases": cases,
    }


# ----------------------------------------------------------------------------- optimizer


def cosine_with_warmup(warmup, total, cycles=0.5):
    def f(step):
        if step < warmup:
            return float(step) / float(max(1, warmup))
        progress = float(step - warmup) / float(max(1, total - warmup))
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * float(cycles) * 2.0 * progress)))

    return f


def adamw_fixture():
    g = torch.Generator().manual_seed(99)
    w = torch.randn(3, 4, generator=g, dtype=torch.float32)
    b = torch.randn(4, generator=g, dtype=torch.float32)
    target = torch.randn(3, 4, generator=g, dtype=torch.float32)
    scale = torch.rand(3, 4, generator=g, dtype=torch.float32) + 0.5
    coeff = torch.randn(4, generator=g, dtype=torch.float32)
    init = {"w": w.tolist(), "b": b.tolist()}
    w = w.clone().requires_grad_(True)
    b = b.clone().requires_grad_(True)
    hp = {
        "lr": 0.05,
        "beta1": 0.9,
        "beta2": 0.95,
        "eps": 1e-8,
        "weight_decay": 0.1,
        "max_grad_norm": 1.0,
        "warmup": 2,
        "total": 8,
        "steps": 8,
    }
    opt = torch.optim.AdamW(
        [w, b], lr=hp["lr"], betas=(hp["beta1"], hp["beta2"]), eps=hp["eps"], weight_decay=hp["weight_decay"]
    )
    sched = torch.optim.lr_scheduler.LambdaLR(opt, cosine_with_warmup(hp["warmup"], hp["total"]))
    steps = []
    for _ in range(hp["steps"]):
        opt.zero_grad()
        # loss = sum(scale * (w - target)^2) + sum(coeff * b^3); analytic enough to redo in DJL
        loss = (scale * (w - target) ** 2).sum() + (coeff * b**3).sum()
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_([w, b], hp["max_grad_norm"])
        lr = opt.param_groups[0]["lr"]
        opt.step()
        sched.step()
        steps.append({"lr": lr, "grad_norm": norm.item(), "w": w.detach().tolist(), "b": b.detach().tolist()})
    return {
        "hyper": hp,
        "init": init,
        "target": target.tolist(),
        "scale": scale.tolist(),
        "coeff": coeff.tolist(),
        "steps": steps,
    }


def main():
    torch.set_default_dtype(torch.float64)
    os.makedirs(OUT_DIR, exist_ok=True)
    with open(os.path.join(OUT_DIR, "objective_cases.json"), "w") as f:
        json.dump(objective_fixture(), f)
    with open(os.path.join(OUT_DIR, "adamw_trajectory.json"), "w") as f:
        json.dump(adamw_fixture(), f, indent=1)
    print("wrote fixtures to", OUT_DIR)


if __name__ == "__main__":
    main()
