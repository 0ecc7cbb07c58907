/**
 * The {@code llm_judge} rule: an OpenAI-compatible chat model asked whether a completion's final
 * answer is equivalent to the reference, with a versioned prompt template, a strict verdict parser,
 * a verdict cache, a concurrency limit and retries inside the rule's budget, alone or behind the
 * math verifier (cascade). Plain Java; the endpoints are wired from configuration.
 */
package dev.grpo.reward.llmjudge;
