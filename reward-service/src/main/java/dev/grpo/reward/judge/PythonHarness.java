package dev.grpo.reward.judge;

/**
 * The Python driver for function-call and assert cases. The solution is stored as solution.py and
 * executed by the driver; per case, stdin carries a one-time nonce line then a JSON spec. The
 * driver prints "nonce result-json" (call) or "nonce OK" (assert) on its last line, so a solution
 * that exits early (os._exit(0)) or prints a fake verdict does not pass. Expected values are never
 * sent into the sandbox; the comparison is done by the service.
 *
 * <p>Residual risk: the nonce lives in the driver's frame, which solution code could reach with
 * frame introspection; that takes deliberate effort and is out of scope for this layer.
 */
final class PythonHarness {

  static final String SOLUTION_FILE = "solution.py";

  static final String DRIVER =
      """
      import io as _io, json as _json, sys as _sys
      def _grpo_set(o):
          return sorted(o, key=repr) if isinstance(o, (set, frozenset)) else repr(o)
      def _grpo_main():
          nonce = _sys.stdin.readline().strip()
          spec = _json.loads(_sys.stdin.read())
          _sys.stdin = _io.StringIO("")
          with open("solution.py", encoding="utf-8") as f:
              src = f.read()
          g = {"__name__": "solution", "__builtins__": __builtins__}
          exec(compile(src, "solution.py", "exec"), g)
          if spec["mode"] == "call":
              name = spec["fn"]
              fn = g.get(name)
              if fn is None and "Solution" in g:
                  fn = getattr(g["Solution"](), name)
              if fn is None:
                  raise NameError("function %s is not defined" % name)
              result = fn(*spec["args"])
              line = _json.dumps(result, default=_grpo_set)
          else:
              exec(compile(spec["code"], "<asserts>", "exec"), g)
              line = "OK"
          _sys.stdout.flush()
          _sys.__stdout__.write("\\n" + nonce + " " + line + "\\n")
          _sys.__stdout__.flush()
      _grpo_main()
      """;

  private PythonHarness() {}
}
