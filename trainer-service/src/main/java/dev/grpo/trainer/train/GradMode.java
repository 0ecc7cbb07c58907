package dev.grpo.trainer.train;

import ai.djl.pytorch.jni.JniUtils;

/**
 * PyTorch's grad mode is per thread and on by default; DJL turns it off only on the thread that
 * starts the engine. A trainer that runs on any other thread (the orchestrator's, once something
 * else started the engine) must turn it off itself, or the optimizer's in-place updates of the leaf
 * parameters fail ("a leaf Variable that requires grad is being used in an in-place operation").
 * The gradient collector turns it on while it records and restores it when it closes.
 */
final class GradMode {

  private GradMode() {}

  static void off() {
    JniUtils.setGradMode(false);
  }
}
