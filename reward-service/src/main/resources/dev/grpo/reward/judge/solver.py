# The untrusted half of the Python test harness (see checker.py). It runs the solution and answers
# the checker's requests over two pipes whose descriptors are argv[1] (requests) and argv[2]
# (replies); stdin, stdout and stderr are /dev/null. Nothing here is trusted by the checker: the
# solution may patch or replace any of it, which can only spoil its own answers.
#
# Requests, one JSON line each:   {"op": "call", "fn": name, "args": [...], "kw": {...}}
#                                  {"op": "method", "h": id, "name": m, "args": [...], "kw": {...}}
#                                  {"op": "getattr", "h": id, "name": a}
# Replies, one JSON line each:    {"ok": value, "back": [[arg index, value], ...]}
#                                  {"callable": true}      (getattr of a method)
#                                  {"exc": type name, "msg": text}
# The first line sent is the hello: {"names": {name: "callable" | "module:<module name>"}} or
# {"exc": ..., "msg": ...} when executing the solution failed.
#
# Values are tagged JSON: null, true/false, numbers (floats keep their '.', NaN and Infinity
# allowed), strings and lists stand for themselves; {"t": [...]} tuple, {"s": [...]} set,
# {"fs": [...]} frozenset, {"d": [[k, v], ...]} dict, {"b": hex} bytes, {"c": [re, im]} complex,
# {"h": id} an instance of a class the solution defines, living here.
import json
import os
import sys
import types

MAX_DEPTH = 200


class Unsupported(Exception):
    pass


def main():
    requests = os.fdopen(int(sys.argv[1]), "rb")
    replies = os.fdopen(int(sys.argv[2]), "wb")
    env = {"__name__": "solution", "__builtins__": __builtins__}
    handles = {}
    sys.setrecursionlimit(10000)
    try:
        with open("solution.py", encoding="utf-8") as f:
            source = f.read()
        exec(compile(source, "solution.py", "exec"), env)
        hello = {"names": top_level_names(env)}
    except BaseException as e:  # noqa: B036 - SystemExit in the solution is a failure too
        hello = failure(e)
    send(replies, hello)
    for line in requests:
        send(replies, answer(json.loads(line), env, handles))


def top_level_names(env):
    names = {}
    for name, value in list(env.items()):
        if name.startswith("__"):
            continue
        if isinstance(value, types.ModuleType):
            names[name] = "module:" + value.__name__
        elif callable(value):
            names[name] = "callable"
    return names


def answer(request, env, handles):
    try:
        op = request["op"]
        if op == "getattr":
            value = getattr(handles[request["h"]], request["name"])
            if callable(value) and not isinstance(value, type):
                return {"callable": True}
            return {"ok": encode(value, handles, 0)}
        if op == "call":
            target = env[request["fn"]]
        else:
            target = getattr(handles[request["h"]], request["name"])
        args = [decode(a, handles) for a in request["args"]]
        kwargs = {k: decode(v, handles) for k, v in request["kw"].items()}
        result = target(*args, **kwargs)
        back = [
            [i, encode(a, handles, 0)]
            for i, a in enumerate(args)
            if type(a) in (list, dict, set)
        ]
        return {"ok": encode(result, handles, 0), "back": back}
    except BaseException as e:  # noqa: B036
        return failure(e)


def failure(e):
    return {"exc": type(e).__name__, "msg": str(e)[:2000]}


def send(replies, message):
    try:
        data = json.dumps(message)
    except BaseException as e:  # noqa: B036 - e.g. an int too long to print
        data = json.dumps(failure(e))
    replies.write(data.encode("utf-8", "surrogatepass") + b"\n")
    replies.flush()


def encode(v, handles, depth):
    if depth > MAX_DEPTH:
        raise Unsupported("value nested too deeply")
    if v is None or v is True or v is False:
        return v
    if isinstance(v, int):
        return int.__index__(v)
    if isinstance(v, float):
        return float.__float__(v)
    if isinstance(v, str):
        return str.__str__(v)
    d = depth + 1
    if isinstance(v, list):
        return [encode(x, handles, d) for x in list.__iter__(v)]
    if isinstance(v, tuple):
        return {"t": [encode(x, handles, d) for x in tuple.__iter__(v)]}
    if isinstance(v, dict):
        return {"d": [[encode(k, handles, d), encode(x, handles, d)] for k, x in dict.items(v)]}
    if isinstance(v, frozenset):
        return {"fs": [encode(x, handles, d) for x in frozenset.__iter__(v)]}
    if isinstance(v, set):
        return {"s": [encode(x, handles, d) for x in set.__iter__(v)]}
    if isinstance(v, (bytes, bytearray)):
        return {"b": bytes(v).hex()}
    if isinstance(v, complex):
        return {"c": [complex.__complex__(v).real, complex.__complex__(v).imag]}
    if getattr(type(v), "__module__", None) == "solution":
        handles[id(v)] = v
        return {"h": id(v)}
    raise Unsupported("cannot return a value of type " + type(v).__name__)


def decode(v, handles):
    if isinstance(v, list):
        return [decode(x, handles) for x in v]
    if not isinstance(v, dict):
        return v
    (tag, body) = next(iter(v.items()))
    if tag == "h":
        return handles[body]
    if tag == "b":
        return bytes.fromhex(body)
    if tag == "c":
        return complex(body[0], body[1])
    if tag == "d":
        return {decode(k, handles): decode(x, handles) for k, x in body}
    items = [decode(x, handles) for x in body]
    return {"t": tuple, "s": set, "fs": frozenset}[tag](items)


main()
