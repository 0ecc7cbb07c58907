/**
 * The code sandbox: compiles and runs untrusted programs in isolation, with limits, and cleans up
 * after them. Plain Java, no Spring ({@code dev.grpo.reward.config.SandboxConfiguration} wires it);
 * the judge ({@code dev.grpo.reward.judge}) and SandboxFusion's run_code ({@code
 * dev.grpo.reward.runcode}) run programs through it.
 *
 * <h2>Entry points</h2>
 *
 * <ul>
 *   <li>{@link dev.grpo.reward.sandbox.CodeSandbox#start} probes the host ({@link
 *       dev.grpo.reward.sandbox.SandboxAvailability}) and refuses to start without bubblewrap: code
 *       is never run unsandboxed. {@link dev.grpo.reward.sandbox.SandboxService} is the service's
 *       one sandbox, or the reason there is none.
 *   <li>{@link dev.grpo.reward.sandbox.CodeSandbox#prepare} gives a {@link
 *       dev.grpo.reward.sandbox.Submission}: compiled once, run many times, its private work
 *       directory deleted when it is closed.
 *   <li>Every run directory is deleted on every path ({@code RunDirectories}): by its run when it
 *       ends, by {@link dev.grpo.reward.sandbox.CodeSandbox#close} (or the JVM's shutdown) for runs
 *       still in flight, whose processes it kills first, and at the next start for what a killed
 *       JVM left ({@code run-<pid>-<hex>} names a dead owner).
 *   <li>{@link dev.grpo.reward.sandbox.SandboxExecutor} is the bounded queue of runs; a full queue
 *       throws {@link dev.grpo.reward.sandbox.SandboxBusyException} (HTTP 429 + Retry-After).
 * </ul>
 *
 * <h2>Isolation of one run</h2>
 *
 * {@code prlimit (cpu, as, nproc, fsize, nofile, core=0) → setpriv (slot uid, no groups, no
 * capabilities) → bwrap --unshare-all --unshare-user --disable-userns --as-pid-1 --die-with-parent
 * --new-session}, read-only {@code /usr} (plus {@code /etc/java-17-openjdk} for Java), private
 * {@code /proc}, {@code /dev}, size-capped tmpfs {@code /tmp} and {@code /dev/shm}, read-only root,
 * cleared environment. Compilation binds the submission directory read-write; test runs see a
 * size-capped tmpfs {@code /sandbox} with the submission's files bound read-only.
 *
 * <p>Each concurrent run gets its own uid from a range (default 62000–62063), claimed per JVM with
 * a file lock: RLIMIT_NPROC then counts only that run's tasks (it is ignored for root, which is why
 * bwrap is not started as root), and leftovers can be found and killed by uid. The program is pid 1
 * of its namespace, so when it exits or is killed the kernel kills everything else in it, detached
 * children included, and bwrap reaps it directly (no orphan zombie for the host's init).
 *
 * <h2>Deployment requirements and known limits</h2>
 *
 * <ul>
 *   <li>The service runs as root (to setuid to slot uids and chown the compile directory); the uid
 *       range must not be used by anything else on the host. bubblewrap ≥ 0.8 and util-linux.
 *   <li>Memory is limited by RLIMIT_AS (JVM and V8 get their heap flags plus address-space
 *       headroom), not by cgroups: a program's tmpfs files are not charged to it (each tmpfs is
 *       capped).
 *   <li>As pid 1 the program ignores signals it has no handler for (SIGXCPU, SIGXFSZ,
 *       self-SIGKILL): the CPU hard limit and the wall-clock deadline still kill it; oversize
 *       writes fail with EFBIG.
 *   <li>Every program runs under a libseccomp filter ({@code seccomp.SeccompFilter}; io_uring,
 *       keyctl, bpf, perf_event_open, userfaultfd, mount, unshare/setns, ptrace, process_vm_* and
 *       other kernel-attack calls are denied); libseccomp2 must be installed, or the sandbox
 *       reports itself unavailable.
 *   <li>Python call and assert cases are judged by a trusted, non-dumpable checker process that
 *       runs the tests itself against the solution in an untrusted child ({@code
 *       reward.judge.PythonHarness}); the verdict is never the solution's output.
 * </ul>
 */
package dev.grpo.reward.sandbox;
