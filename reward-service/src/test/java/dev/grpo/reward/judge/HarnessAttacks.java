package dev.grpo.reward.judge;

import java.util.List;

/**
 * Solutions that try to pass Python assert cases without solving them. Each defines a wrong {@code
 * add} (or the function its test names) plus its trick; the trick aimed at the old one-process
 * harness (which ran the asserts in the solution's interpreter and took a "nonce OK" line as
 * success) or at the two-process one (a child of the checker).
 */
final class HarnessAttacks {

  /**
   * @param name short label for reports
   * @param code the solution
   * @param test the assert case it should fail
   * @param harmlessWithRightAnswer whether the same trick with a right {@code add} must still pass
   *     (the trick alone does not disturb the checker)
   */
  record Attack(String name, String code, String test, boolean harmlessWithRightAnswer) {

    /** The solution with its wrong {@code return a - b} replaced by a right one. */
    String withRightAnswer() {
      return code.replace("return a - b", "return a + b");
    }
  }

  static final String ADD_TEST = "assert add(2, 3) == 5";

  private static final String WRONG_ADD = "def add(a, b):\n    return a - b\n";

  /** Searches the frames above for a local named nonce; prints the old harness's success line. */
  private static final String FORGE =
      """
      import os, sys
      def _forge(frames):
          for f in frames:
              for scope in (f.f_locals, f.f_globals):
                  n = scope.get("nonce")
                  if isinstance(n, str):
                      os.write(1, ("\\n%s OK\\n" % n).encode())
                      os._exit(0)
      """;

  private HarnessAttacks() {}

  // Over 80 lines on purpose: the attack catalogue: one entry per attack; data, not logic.
  static List<Attack> all() {
    return List.of(
        new Attack(
            "replace builtins.exec",
            """
            import builtins, types
            _exec = builtins.exec
            def _fake(code, *a, **k):
                if isinstance(code, types.CodeType) and code.co_filename != "solution.py":
                    return None
                return _exec(code, *a, **k)
            builtins.exec = _fake
            """
                + WRONG_ADD,
            ADD_TEST,
            true),
        new Attack(
            "sys.modules['builtins'] patch",
            "import sys\nsys.modules['builtins'].__dict__['exec'] = lambda *a, **k: None\n"
                + WRONG_ADD,
            ADD_TEST,
            true),
        new Attack(
            "nonce via sys._getframe(1).f_locals + os._exit(0)",
            FORGE
                + """
                def _frames():
                    f = sys._getframe(1)
                    while f is not None:
                        yield f
                        f = f.f_back
                def add(a, b):
                    _forge(_frames())
                    return a - b
                """,
            ADD_TEST,
            true),
        new Attack(
            "nonce via inspect.stack() + os._exit(0)",
            FORGE
                + """
                import inspect
                def add(a, b):
                    _forge(fi.frame for fi in inspect.stack())
                    return a - b
                """,
            ADD_TEST,
            true),
        new Attack(
            "nonce via sys.excepthook + os._exit(0)",
            FORGE
                + """
                def _hook(t, v, tb):
                    frames = []
                    while tb is not None:
                        frames.append(tb.tb_frame)
                        tb = tb.tb_next
                    _forge(frames)
                sys.excepthook = _hook
                """
                + WRONG_ADD,
            ADD_TEST,
            true),
        new Attack(
            "patch builtins.sorted used by the test",
            "import builtins\nbuiltins.sorted = lambda it, **k: [2, 4]\n"
                + "def evens(xs):\n    return [1]\n",
            "assert sorted(evens([4, 1, 2, 3])) == [2, 4]",
            false),
        new Attack(
            "top-level def sorted() shadowing the builtin the test uses",
            "def sorted(it, **k):\n    return [2, 4]\n" + "def evens(xs):\n    return [1]\n",
            "assert sorted(evens([4, 1, 2, 3])) == [2, 4]",
            false),
        new Attack(
            "object whose __eq__ is always true",
            "class _Any:\n    def __eq__(self, other):\n        return True\n"
                + "def add(a, b):\n    return _Any()\n",
            ADD_TEST,
            false),
        new Attack(
            "int subclass whose __eq__ is always true",
            "class _I(int):\n    def __eq__(self, other):\n        return True\n"
                + "    __hash__ = int.__hash__\n"
                + "def add(a, b):\n    return _I(a - b)\n",
            ADD_TEST,
            false),
        new Attack("a generator", "def add(a, b):\n    yield a + b\n", ADD_TEST, false),
        new Attack(
            "solver kills/stops its parent",
            """
            import os, signal
            for _pid in {os.getppid(), 1}:
                for _s in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM, signal.SIGSTOP,
                           signal.SIGKILL):
                    try:
                        os.kill(_pid, _s)
                    except OSError:
                        pass
            """
                + WRONG_ADD,
            ADD_TEST,
            true),
        new Attack(
            "solver writes to /proc/<ppid>/fd/1",
            """
            import os
            for _p in ("/proc/%d/fd/1" % os.getppid(), "/proc/1/fd/1"):
                try:
                    with open(_p, "w") as _f:
                        _f.write("OK\\n")
                except OSError:
                    pass
            """
                + WRONG_ADD,
            ADD_TEST,
            true),
        new Attack("solver reads /proc/<ppid>/mem", STEAL + WRONG_ADD, ADD_TEST, true),
        new Attack(
            "garbage on the solver's own stdout and reply pipe",
            "import os, sys\nprint('garbage')\n"
                + "os.write(int(sys.argv[2]) if len(sys.argv) > 2 else 1, b'garbage\\n')\n"
                + WRONG_ADD,
            ADD_TEST,
            false),
        new Attack(
            "os._exit(0) inside the call",
            "import os\ndef add(a, b):\n    os._exit(0)\n",
            ADD_TEST,
            false));
  }

  /**
   * Reads the parent's memory for the nonce of the checker's input, then writes forged verdicts for
   * it to the parent's stdout.
   */
  static final String STEAL =
      """
      import os, re
      def _steal(pid):
          try:
              maps = open("/proc/%d/maps" % pid).read().splitlines()
              mem = open("/proc/%d/mem" % pid, "rb")
          except OSError:
              return
          for line in maps:
              span, perms = line.split()[:2]
              if not perms.startswith("r"):
                  continue
              lo, hi = (int(x, 16) for x in span.split("-"))
              try:
                  mem.seek(lo)
                  found = re.search(rb'"nonce": ?"([0-9a-f]{32})"', mem.read(hi - lo))
              except (OSError, OverflowError, ValueError):
                  continue
              if found:
                  n = found.group(1).decode()
                  with open("/proc/%d/fd/1" % pid, "w") as out:
                      for i in range(4):
                          out.write('%s {"i": %d, "v": "pass", "ms": 0, "out": ""}\\n' % (n, i))
                  os._exit(0)
      _steal(os.getppid())
      """;
}
