package dev.grpo.reward.sandbox.seccomp;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The seccomp filter every sandboxed process runs under, compiled to a classic BPF program by
 * libseccomp (the maintained library behind Docker's, systemd's and bubblewrap's own filters) and
 * handed to bubblewrap with {@code --seccomp FD}, which installs it right before it executes the
 * untrusted program (after its own mounts and namespace setup, which need some of these calls).
 *
 * <p>Everything is allowed except the calls below, which an untrusted program never needs and which
 * carry most of the kernel's recent privilege-escalation bugs or would let one sandboxed process
 * reach another (ptrace, process_vm_*). {@code io_uring_*} answer ENOSYS so runtimes that probe for
 * it (libuv in Node.js) fall back to plain reads and writes; the rest answer EPERM. Syscalls of
 * another ABI (32-bit {@code int 0x80}, x32) do not match the filter's architecture and kill the
 * process: libseccomp's default for a foreign architecture.
 */
public final class SeccompFilter {

  static final int ENOSYS = 38;
  static final int EPERM = 1;

  /** The denied syscalls and the errno each answers. */
  public static final Map<String, Integer> DENIED = denied();

  private static final int SCMP_ACT_ALLOW = 0x7fff0000;

  private SeccompFilter() {}

  private static Map<String, Integer> denied() {
    Map<String, Integer> d = new LinkedHashMap<>();
    for (String name : new String[] {"io_uring_setup", "io_uring_enter", "io_uring_register"}) {
      d.put(name, ENOSYS);
    }
    String[] eperm = {
      "keyctl",
      "add_key",
      "request_key",
      "bpf",
      "perf_event_open",
      "userfaultfd",
      "mount",
      "umount2",
      "pivot_root",
      "move_mount",
      "open_tree",
      "fsopen",
      "fsmount",
      "fsconfig",
      "fspick",
      "unshare",
      "setns",
      "ptrace",
      "process_vm_readv",
      "process_vm_writev",
      "kexec_load",
      "kexec_file_load",
      "init_module",
      "finit_module",
      "delete_module",
      "swapon",
      "swapoff",
      "reboot",
      "acct",
      "quotactl",
      "open_by_handle_at",
      "name_to_handle_at",
      "fanotify_init",
      "lookup_dcookie",
      "iopl",
      "ioperm",
      "syslog",
      "settimeofday",
      "clock_settime",
      "clock_adjtime",
      "adjtimex",
      "vhangup",
      "pidfd_getfd",
      "mbind",
      "migrate_pages",
      "move_pages",
      "set_mempolicy",
      "kcmp"
    };
    for (String name : eperm) {
      d.put(name, EPERM);
    }
    return Map.copyOf(d);
  }

  /**
   * Writes the compiled filter to {@code file} (read-only afterwards).
   *
   * @throws SeccompUnavailableException when libseccomp cannot be loaded or refuses a rule; the
   *     sandbox then reports itself unavailable rather than run programs without the filter
   */
  public static Path compile(Path file) {
    LibSeccomp seccomp = LibSeccomp.load();
    Pointer ctx = seccomp.seccomp_init(SCMP_ACT_ALLOW);
    if (ctx == null) {
      throw new SeccompUnavailableException("seccomp_init failed");
    }
    try {
      for (Map.Entry<String, Integer> rule : DENIED.entrySet()) {
        int nr = seccomp.seccomp_syscall_resolve_name(rule.getKey());
        if (nr < 0) {
          throw new SeccompUnavailableException(
              "this libseccomp does not know the syscall " + rule.getKey());
        }
        int rc = seccomp.seccomp_rule_add(ctx, errno(rule.getValue()), nr, 0);
        if (rc != 0) {
          throw new SeccompUnavailableException(
              "seccomp_rule_add(" + rule.getKey() + ") failed with " + rc);
        }
      }
      export(seccomp, ctx, file);
      return file;
    } finally {
      seccomp.seccomp_release(ctx);
    }
  }

  private static void export(LibSeccomp seccomp, Pointer ctx, Path file) {
    try {
      Files.deleteIfExists(file);
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      int fd = LibC.INSTANCE.open(file.toString(), LibC.O_WRONLY | LibC.O_CLOEXEC);
      if (fd < 0) {
        throw new SeccompUnavailableException("cannot open " + file + " to write the filter");
      }
      int rc;
      try {
        rc = seccomp.seccomp_export_bpf(ctx, fd);
      } finally {
        LibC.INSTANCE.close(fd);
      }
      if (rc != 0) {
        throw new SeccompUnavailableException("seccomp_export_bpf failed with " + rc);
      }
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
    } catch (IOException e) {
      throw new SeccompUnavailableException("cannot write the filter to " + file + ": " + e);
    }
  }

  /** {@code SCMP_ACT_ERRNO(errno)}. */
  static int errno(int errno) {
    return 0x00050000 | (errno & 0xffff);
  }

  /** The part of libseccomp 2.x this class uses. */
  interface LibSeccomp extends Library {
    Pointer seccomp_init(int defaultAction);

    int seccomp_syscall_resolve_name(String name);

    int seccomp_rule_add(Pointer ctx, int action, int syscall, int argCount);

    int seccomp_export_bpf(Pointer ctx, int fd);

    void seccomp_release(Pointer ctx);

    static LibSeccomp load() {
      try {
        return Native.load("seccomp", LibSeccomp.class);
      } catch (UnsatisfiedLinkError e) {
        throw new SeccompUnavailableException(
            "libseccomp is not installed (Debian: apt-get install libseccomp2): " + e.getMessage());
      }
    }
  }

  /** open(2) and close(2). */
  interface LibC extends Library {
    int O_WRONLY = 1;
    int O_CLOEXEC = 0x80000;
    LibC INSTANCE = Native.load("c", LibC.class);

    int open(String path, int flags);

    int close(int fd);
  }
}
