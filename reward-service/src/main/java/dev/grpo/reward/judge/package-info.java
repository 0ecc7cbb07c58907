/**
 * The code judge: test cases ({@link dev.grpo.reward.judge.TestCase}), output comparison, and the
 * {@code code_execution} rule. {@link dev.grpo.reward.judge.TestCaseJudge} compiles a submission
 * once in the sandbox ({@code dev.grpo.reward.sandbox}) and runs stdin/stdout, Python function-call
 * and Python assert cases; a sandbox failure yields {@code SANDBOX_ERROR} and no score, so the
 * model is never punished for the infrastructure. Plain Java; {@code dev.grpo.reward.config} makes
 * the rule a bean.
 */
package dev.grpo.reward.judge;
