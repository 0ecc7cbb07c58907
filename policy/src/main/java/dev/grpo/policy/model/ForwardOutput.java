package dev.grpo.policy.model;

import ai.djl.ndarray.NDArray;

/**
 * Result of {@link DecoderModel#forward}.
 *
 * @param logits (batch, time, vocab) float32
 * @param cache the cache extended with this call's positions, or null when no cache was passed
 */
public record ForwardOutput(NDArray logits, KvCache cache) {}
