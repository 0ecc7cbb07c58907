# The trusted half of the Python test harness: the process the sandbox starts (pid 1 of its
# namespace). It reads every case of one submission as one JSON document on stdin, runs the
# solution in a separate child process (solver.py) and runs each case's test code itself, in a
# fresh namespace where the solution's names are proxies that ask the child. The child only ever
# sees call arguments, never the tests or their expected values, and cannot reach this process:
# it is made non-dumpable (no /proc/<pid>/mem, fd or ptrace access for the same uid), keeps its
# stdout to itself, and as pid 1 ignores SIGKILL/SIGSTOP sent from inside the namespace.
#
# Input:  {"nonce": hex, "budget_ms": n, "limit": bytes, "cases": [{"mode": "assert", "code": s}
#          | {"mode": "call", "fn": name, "args": [...]}]}
# Output: one line per case, in order: <nonce> {"i": index, "v": verdict, "ms": n, "out": s}
#   verdict: pass | result (call case: "out" is the result as JSON) | error | timeout | memory
#            | output (the result exceeded "limit"); "out" is the result or the error text.
import sys

sys.path[:] = [p for p in sys.path if p and not p.startswith("/sandbox")]

import builtins  # noqa: E402
import ctypes  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import select  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

PR_SET_DUMPABLE = 4
MAX_REPLY = 32 << 20
DETAIL = 512
BUILTIN_NAMES = frozenset(vars(builtins))
BARRED_MODULES = {"antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo"}


class SolverFault(BaseException):
    """The solver died, hung or broke the protocol; a BaseException so tests cannot swallow it."""


class SolverTimeout(SolverFault):
    pass


class Solver:
    """One solver process and the pipes to it; dead after any fault."""

    def __init__(self):
        self.proc = None
        self.buf = bytearray()
        self.names = {}
        self.deadline = 0.0

    def alive(self):
        return self.proc is not None

    def start(self, deadline):
        self.deadline = deadline
        req_r, self.req_w = os.pipe()
        self.rep_r, rep_w = os.pipe()
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-B", "solver.py", str(req_r), str(rep_w)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                pass_fds=(req_r, rep_w),
                close_fds=True,
                start_new_session=True,
            )
        finally:
            os.close(req_r)
            os.close(rep_w)
        os.set_blocking(self.req_w, False)
        self.buf = bytearray()
        hello = self.read()
        if "exc" in hello:
            self.stop()
            raise solution_exception(hello)
        names = hello.get("names") if isinstance(hello, dict) else None
        if not isinstance(names, dict) or not all(isinstance(v, str) for v in names.values()):
            self.fail(SolverFault("the solution's process broke the protocol"))
        self.names = names

    def ask(self, request):
        if not self.alive():
            raise SolverFault("the solution's process is not running")
        self.write(json.dumps(request).encode() + b"\n")
        return self.read()

    def write(self, data):
        view = memoryview(data)
        while view:
            if not select.select([], [self.req_w], [], self.left())[1]:
                self.fail(SolverTimeout("time limit exceeded"))
            try:
                view = view[os.write(self.req_w, view) :]
            except OSError:
                self.fail(SolverFault("the solution's process stopped reading"))

    def read(self):
        while True:
            end = self.buf.find(b"\n")
            if end >= 0:
                line = bytes(self.buf[:end])
                del self.buf[: end + 1]
                return self.parse(line)
            if not select.select([self.rep_r], [], [], self.left())[0]:
                self.fail(SolverTimeout("time limit exceeded"))
            chunk = os.read(self.rep_r, 1 << 16)
            if not chunk:
                self.fail(SolverFault("the solution's process exited"))
            self.buf += chunk
            if len(self.buf) > MAX_REPLY:
                self.fail(SolverFault("the solution's reply is too large"))

    def parse(self, line):
        try:
            message = json.loads(line)
        except (ValueError, RecursionError):
            self.fail(SolverFault("the solution's process broke the protocol"))
        if not isinstance(message, dict):
            self.fail(SolverFault("the solution's process broke the protocol"))
        return message

    def left(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            self.fail(SolverTimeout("time limit exceeded"))
        return left

    def fail(self, fault):
        self.stop()
        raise fault

    def stop(self):
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except OSError:
            pass
        self.proc.kill()
        self.proc.wait()
        os.close(self.req_w)
        os.close(self.rep_r)
        self.proc = None


class Values:
    """Tagged JSON (see solver.py): trusted encoding of test values, strict decoding of replies."""

    def __init__(self, solver):
        self.solver = solver

    def encode(self, v, depth=0):
        if depth > 200:
            raise ValueError("argument nested too deeply")
        t = type(v)
        if v is None or t in (bool, int, float, str):
            return v
        d = depth + 1
        if t is list:
            return [self.encode(x, d) for x in v]
        if t is tuple:
            return {"t": [self.encode(x, d) for x in v]}
        if t is dict:
            return {"d": [[self.encode(k, d), self.encode(x, d)] for k, x in v.items()]}
        if t in (set, frozenset):
            return {"s" if t is set else "fs": [self.encode(x, d) for x in v]}
        if t in (bytes, bytearray):
            return {"b": bytes(v).hex()}
        if t is complex:
            return {"c": [v.real, v.imag]}
        if t is Instance:
            return {"h": v._handle}
        raise TypeError("cannot pass a value of type %s to the solution" % t.__name__)

    def decode(self, v):
        t = type(v)
        if v is None or t in (bool, int, float, str):
            return v
        if t is list:
            return [self.decode(x) for x in v]
        if t is not dict or len(v) != 1:
            raise SolverFault("the solution returned a malformed value")
        ((tag, body),) = v.items()
        if tag == "h" and type(body) is int:
            return Instance(self, body)
        if tag == "b" and type(body) is str:
            return bytes.fromhex(body)
        if tag == "c" and type(body) is list and len(body) == 2:
            return complex(float(body[0]), float(body[1]))
        if type(body) is not list:
            raise SolverFault("the solution returned a malformed value")
        if tag == "d":
            return {self.decode(k): self.decode(x) for k, x in body}
        items = [self.decode(x) for x in body]
        if tag == "t":
            return tuple(items)
        if tag in ("s", "fs"):
            return (set if tag == "s" else frozenset)(items)
        raise SolverFault("the solution returned a malformed value")

    def reply(self, message, args):
        """The value of a call's reply; raises the solution's exception as a builtin one."""
        if "exc" in message:
            raise solution_exception(message)
        if "ok" not in message:
            raise SolverFault("the solution's process broke the protocol")
        try:
            value = self.decode(message["ok"])
            for index, new in message.get("back", []):
                copy_back(args[index], self.decode(new))
        except SolverFault:
            raise
        except (TypeError, ValueError, IndexError, RecursionError):
            raise SolverFault("the solution returned a malformed value") from None
        return value

    def call(self, request, args, kwargs):
        request["args"] = [self.encode(a) for a in args]
        request["kw"] = {str(k): self.encode(v) for k, v in kwargs.items()}
        return self.reply(self.solver.ask(request), args)


def copy_back(target, new):
    """Mutations the solution made to a list, dict or set argument, applied to the test's own."""
    if type(target) is list and type(new) is list:
        target[:] = new
    elif type(target) in (dict, set) and type(new) is type(target):
        target.clear()
        target.update(new)


def solution_exception(message):
    name, text = message.get("exc"), message.get("msg")
    kind = getattr(builtins, name, None) if isinstance(name, str) else None
    if (
        not isinstance(kind, type)
        or not issubclass(kind, Exception)
        or issubclass(kind, (StopIteration, StopAsyncIteration))
    ):
        kind = RuntimeError
    try:
        return kind(str(text))
    except Exception:
        return RuntimeError("%s: %s" % (name, text))


class Function:
    """A top-level callable of the solution (a function, or a class to construct)."""

    def __init__(self, values, name):
        self._values = values
        self._name = name

    def __call__(self, *args, **kwargs):
        return self._values.call({"op": "call", "fn": self._name}, args, kwargs)

    def __repr__(self):
        return "<solution %s>" % self._name


class Instance:
    """An object living in the solver; attribute reads and method calls are asked for."""

    def __init__(self, values, handle):
        object.__setattr__(self, "_values", values)
        object.__setattr__(self, "_handle", handle)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        values = object.__getattribute__(self, "_values")
        handle = object.__getattribute__(self, "_handle")
        message = values.solver.ask({"op": "getattr", "h": handle, "name": name})
        if message.get("callable") is True:
            return Method(values, handle, name)
        return values.reply(message, [])

    def __repr__(self):
        return "<solution object %d>" % object.__getattribute__(self, "_handle")


class Method:
    def __init__(self, values, handle, name):
        self._values = values
        self._handle = handle
        self._name = name

    def __call__(self, *args, **kwargs):
        request = {"op": "method", "h": self._handle, "name": self._name}
        return self._values.call(request, args, kwargs)


def namespace(values, code):
    """The test's globals: the solution's top-level names as proxies, its stdlib modules as ours.

    A name that shadows a builtin stays the builtin: else a solution's own sorted() or len()
    would answer for the test's use of it.
    """
    ns = {"__name__": "solution", "__builtins__": builtins}
    for name, kind in values.solver.names.items():
        if name in BUILTIN_NAMES:
            continue
        if kind == "callable":
            ns[name] = Function(values, name)
        elif kind.startswith("module:") and name in code:
            module = kind[len("module:") :]
            top = module.partition(".")[0]
            if top in sys.stdlib_module_names and top not in BARRED_MODULES:
                try:
                    ns[name] = importlib.import_module(module)
                except Exception:
                    pass
    return ns


def run_assert(values, case):
    code = case["code"]
    exec(compile(code, "<test>", "exec"), namespace(values, code))
    return "pass", ""


def run_call(values, case):
    name = case["fn"]
    names = values.solver.names
    if names.get(name) == "callable":
        fn = Function(values, name)
    elif names.get("Solution") == "callable":
        fn = getattr(Function(values, "Solution")(), name)
    else:
        raise NameError("function %s is not defined" % name)
    result = fn(*case["args"])
    return "result", json.dumps(result, default=plain)


def plain(o):
    return sorted(o, key=repr) if isinstance(o, (set, frozenset)) else repr(o)


def run_case(solver, values, case, budget):
    start = time.monotonic()
    deadline = start + budget
    try:
        if not solver.alive():
            solver.start(deadline)
        solver.deadline = deadline
        run = run_assert if case["mode"] == "assert" else run_call
        verdict, out = run(values, case)
    except SolverTimeout as e:
        verdict, out = "timeout", str(e)
    except SolverFault as e:
        verdict, out = "error", str(e)
    except MemoryError as e:
        verdict, out = "memory", "MemoryError: %s" % e
    except BaseException as e:  # noqa: B036 - a test may raise anything, SystemExit included
        verdict, out = "error", "%s: %s" % (type(e).__name__, e)
    if verdict != "result":
        out = out[:DETAIL]
    return verdict, out, int((time.monotonic() - start) * 1000)


def make_undumpable():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE) failed")


def main():
    verdicts = os.fdopen(os.dup(1), "w", encoding="utf-8", errors="backslashreplace")
    spec = json.loads(sys.stdin.buffer.read())
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    sys.stdout = open(os.devnull, "w")
    sys.stdin = open(os.devnull)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    make_undumpable()
    nonce = spec["nonce"]
    solver = Solver()
    values = Values(solver)
    budget = spec["budget_ms"] / 1000.0
    for i, case in enumerate(spec["cases"]):
        verdict, out, ms = run_case(solver, values, case, budget)
        if verdict == "result" and len(out) > spec["limit"]:
            verdict, out = "output", "result of %d characters" % len(out)
        line = json.dumps({"i": i, "v": verdict, "ms": ms, "out": out})
        verdicts.write("%s %s\n" % (nonce, line))
        verdicts.flush()
    solver.stop()


main()
