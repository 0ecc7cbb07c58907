#!/usr/bin/env python3
"""Independent numpy reference for PPO's GAE, returns, whitening and clipped value loss.

Transcribed from the anchors' published formulas, not from the Java code:

  token rewards  verl / TRL PPO: the outcome reward sits on the last response token, 0 elsewhere.
  GAE            verl core_algos.compute_gae_advantage_return: backwards over the response,
                 delta_t = r_t + gamma * nextvalues - V_t, lastgaelam_ = delta_t + gamma*lam*lastgaelam,
                 nextvalues = V_t * m_t + (1 - m_t) * nextvalues,
                 lastgaelam = lastgaelam_ * m_t + (1 - m_t) * lastgaelam; returns = A + V.
  whitening      verl_F.masked_whiten: masked mean, masked variance times n/(n-1) (Bessel),
                 (x - mean) * rsqrt(var + 1e-8).
  value loss     verl core_algos.compute_value_loss: vpredclipped = clip(vpred, V_old - e, V_old + e),
                 0.5 * masked token-mean of max((vpred - R)^2, (vpredclipped - R)^2);
                 clipfrac = masked mean of [(vpredclipped - R)^2 > (vpred - R)^2].
  explained var  verl critic/vf_explained_var: 1 - var(R - V) / (var(R) + 1e-5), unbiased vars
                 over the response tokens.
  policy loss    the token-level PPO surrogate -min(rho A_t, clip(rho, 1-el, 1+eh) A_t) with
                 per-token advantages, token-mean (verl default) or seq-mean-token-mean.

Unscorable (NaN) rewards: the project's rule, the whole completion leaves the mask.
Gradients are written out by hand from the max/min/clip structure (torch's convention: a tie splits
the gradient, which for these losses gives the unclipped branch's gradient; a binding clip passes
none) and checked here against central finite differences before the fixture is written.

Writes trainer-service/src/test/resources/grpo/ppo_cases.json.
Run from the repository root with any python3 that has numpy:  python3 trainer-service/src/test/python/ppo_reference.py
"""

import json
import math
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "resources", "grpo", "ppo_cases.json"))


def token_rewards(rewards, mask):
    out = np.zeros_like(mask)
    for i in range(mask.shape[0]):
        idx = np.nonzero(mask[i] > 0)[0]
        if len(idx) and not math.isnan(rewards[i]):
            out[i, idx[-1]] = rewards[i]
    return out


def gae(token_level_rewards, values, response_mask, gamma, lam):
    nextvalues = np.zeros(values.shape[0])
    lastgaelam = np.zeros(values.shape[0])
    reversed_adv = []
    for t in reversed(range(values.shape[1])):
        delta = token_level_rewards[:, t] + gamma * nextvalues - values[:, t]
        lastgaelam_ = delta + gamma * lam * lastgaelam
        nextvalues = values[:, t] * response_mask[:, t] + (1 - response_mask[:, t]) * nextvalues
        lastgaelam = lastgaelam_ * response_mask[:, t] + (1 - response_mask[:, t]) * lastgaelam
        reversed_adv.append(lastgaelam)
    advantages = np.stack(reversed_adv[::-1], axis=1)
    returns = advantages + values
    return advantages * response_mask, returns * response_mask


def masked_whiten(x, mask):
    n = mask.sum()
    if n < 2:
        return x * mask
    mean = (x * mask).sum() / n
    var = (((x - mean) ** 2) * mask).sum() / n * (n / (n - 1))
    return (x - mean) / np.sqrt(var + 1e-8) * mask


def explained_variance(returns, values, mask):
    sel = mask > 0
    if sel.sum() < 2:
        return None
    r = returns[sel]
    v = values[sel]
    return float(1 - np.var(r - v, ddof=1) / (np.var(r, ddof=1) + 1e-5))


def value_loss(vpred, old, returns, mask, eps):
    clipped = np.clip(vpred, old - eps, old + eps)
    l1 = (vpred - returns) ** 2
    l2 = (clipped - returns) ** 2
    per = np.maximum(l1, l2)
    n = max(mask.sum(), 1.0)
    loss = 0.5 * (per * mask).sum() / n
    frac = float(((l2 > l1) * mask).sum() / max(1.0, mask.sum()))
    grad = np.where(l2 > l1, 0.0, vpred - returns) * mask / n
    return loss, frac, grad


def policy_loss(logp, old, adv, mask, el, eh, agg):
    ratio = np.exp(logp - old)
    unclipped = ratio * adv
    clipped = np.clip(ratio, 1 - el, 1 + eh) * adv
    per = -np.minimum(unclipped, clipped)
    dper = np.where(unclipped <= clipped, -ratio * adv, 0.0)
    if agg == "dapo":
        w = mask / max(mask.sum(), 1.0)
    else:
        w = mask / np.maximum(mask.sum(1, keepdims=True), 1.0) / mask.shape[0]
    return (per * w).sum(), dper * w


def finite_difference(f, x, h=1e-6):
    out = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        up = x.copy()
        down = x.copy()
        up[idx] += h
        down[idx] -= h
        out[idx] = (f(up) - f(down)) / (2 * h)
    return out


def make_case(rng, index):
    b = int(rng.integers(1, 7))
    t = int(rng.integers(1, 9))
    mask = np.zeros((b, t))
    for i in range(b):
        length = int(rng.integers(0, t + 1))
        mask[i, :length] = 1
        if index % 7 == 3 and length > 2:
            mask[i, int(rng.integers(0, length - 1))] = 0  # an interior hole
    rewards = rng.choice([0.0, 1.0, 1.5, -0.5], size=b) + rng.normal(0, 0.1, size=b) * (index % 2)
    for i in range(b):
        if rng.random() < 0.15:
            rewards[i] = float("nan")
    if index % 11 == 5:
        rewards[:] = rewards[0] if not math.isnan(rewards[0]) else 1.0  # equal rewards
    scale = [0.1, 1.0, 5.0][index % 3]
    values = rng.normal(0, scale, size=(b, t))
    old_values = values + rng.normal(0, [0.01, 0.3, 2.0][index % 3], size=(b, t))
    logp = -rng.exponential(1.0, size=(b, t))
    spread = [0.05, 0.5, 4.0][(index // 3) % 3]  # extreme ratios in a third of the cases
    old_logp = logp + rng.normal(0, spread, size=(b, t))
    return mask, rewards, values, old_values, logp, old_logp


def main():
    rng = np.random.default_rng(20261203)
    gammas = [1.0, 0.99, 0.9, 0.0]
    lams = [1.0, 0.95, 0.5, 0.0]
    clips = [0.2, 0.5, 1e-3, 10.0]
    cases = []
    index = 0
    worst = 0.0
    for gamma in gammas:
        for lam in lams:
            for clip in clips:
                for whiten in (True, False):
                    mask, rewards, values, old_np, logp, old_logp = make_case(rng, index)
                    scorable = np.array([0.0 if math.isnan(r) else 1.0 for r in rewards])[:, None]
                    effective = mask * scorable
                    old_values = old_np * effective
                    tr = token_rewards(rewards, effective)
                    adv, ret = gae(tr, old_values, effective, gamma, lam)
                    adv_used = masked_whiten(adv, effective) if whiten else adv
                    vl, frac, vgrad = value_loss(values, old_values, ret, effective, clip)
                    agg = "dapo" if index % 2 == 0 else "grpo"
                    pl, pgrad = policy_loss(logp, old_logp, adv_used, mask, 0.2, 0.28, agg)
                    fd_v = finite_difference(
                        lambda v: value_loss(v, old_values, ret, effective, clip)[0], values
                    )
                    fd_p = finite_difference(
                        lambda lp: policy_loss(lp, old_logp, adv_used, mask, 0.2, 0.28, agg)[0],
                        logp,
                    )
                    worst = max(worst, np.abs(fd_v - vgrad).max(), np.abs(fd_p - pgrad).max())
                    cases.append(
                        {
                            "name": f"#{index} gamma={gamma} lam={lam} clip={clip} whiten={whiten}",
                            "gamma": gamma,
                            "lam": lam,
                            "value_clip": clip,
                            "whiten": whiten,
                            "aggregation": agg,
                            "mask": mask.tolist(),
                            "rewards": [None if math.isnan(r) else r for r in rewards],
                            "values": values.tolist(),
                            "old_values": old_np.tolist(),
                            "logp": logp.tolist(),
                            "old_logp": old_logp.tolist(),
                            "expected": {
                                "effective_mask": effective.tolist(),
                                "token_rewards": tr.tolist(),
                                "advantages": adv.tolist(),
                                "returns": ret.tolist(),
                                "whitened": masked_whiten(adv, effective).tolist(),
                                "explained_variance": explained_variance(ret, old_values, effective),
                                "value_loss": float(vl),
                                "value_clip_fraction": frac,
                                "value_grad": vgrad.tolist(),
                                "policy_loss": float(pl),
                                "policy_grad": pgrad.tolist(),
                            },
                        }
                    )
                    index += 1
    assert worst < 1e-6, f"hand-written gradients disagree with finite differences: {worst}"
    with open(OUT, "w") as f:
        json.dump({"cases": cases}, f, separators=(",", ":"))
    print(f"wrote {len(cases)} cases to {OUT}; gradients vs finite differences: {worst:.2e}")


if __name__ == "__main__":
    main()
