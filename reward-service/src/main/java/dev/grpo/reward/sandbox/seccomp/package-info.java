/** The seccomp filter of the code sandbox, built with libseccomp. Plain Java (no Spring). */
package dev.grpo.reward.sandbox.seccomp;
