package dev.grpo.trainer.ppo;

/**
 * What PPO's critic did in one step (verl's {@code critic/*} metrics).
 *
 * @param valueLoss the clipped value loss of the last critic update
 * @param valueClipFraction tokens where the clipped value term was the larger (last update)
 * @param explainedVariance 1 − Var(R − V_old)/Var(R) over the step's tokens, with the values the
 *     critic had at rollout time: how much of the returns it predicted before learning from them
 * @param valueMean mean V_old over the active tokens
 * @param returnMean mean GAE return over the active tokens
 * @param valueGradNorm the critic's gradient norm (before clipping) of the last update
 */
public record PpoMetrics(
    double valueLoss,
    double valueClipFraction,
    double explainedVariance,
    double valueMean,
    double returnMean,
    double valueGradNorm) {}
