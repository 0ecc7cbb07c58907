"""Runs Hugging Face's Math-Verify on the same inputs as our Java bench, so both sit in one table.

Not a port: it imports the real library (``pip install math-verify`` or a checkout on PYTHONPATH)
and calls it the way its README shows. Two modes, each printing ``key value`` lines on stdout:

  pairs FILE [WARMUP]     FILE is JSON lines {"gold": ..., "completion": ...}. The gold (the
                          content of a box) is parsed as ``parse("$" + gold + "$")``, the
                          completion as ``parse(completion)``, both with default settings, then
                          ``verify(gold, answer)``. The first WARMUP pairs (default 100) are run
                          once untimed; then every pair once, timed with time.process_time().
                          Prints: version, pairs, cpu_seconds (user + system, as
                          process_time), user_seconds, correct, then ``miss INDEX`` (0-based)
                          for each pair not verified.
  conformance FILE        FILE is the shared conformance table (escaped TSV). Each enabled row
                          is parsed with the extraction configs its ``extraction`` column names
                          and verified with its float_rounding / strict / allow_set_relation_comp.
                          Prints: rows, agree, then ``disagree LINE expected got``.
"""

import json
import re
import resource
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import math_verify
from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse, verify


def library_version():
    """The installed distribution's version, else the version in a checkout's pyproject.toml."""
    try:
        return version("math-verify")
    except PackageNotFoundError:
        pyproject = Path(math_verify.__file__).resolve().parents[2] / "pyproject.toml"
        found = re.search(r'^version = "([^"]+)"', pyproject.read_text(), re.M)
        return (found.group(1) if found else "?") + " (checkout)"


def verify_pair(gold, completion):
    return verify(parse("$" + gold + "$"), parse(completion))


def run_pairs(path, warmup):
    with open(path, encoding="utf-8") as f:
        pairs = [json.loads(line) for line in f if line.strip()]
    for pair in pairs[:warmup]:
        verify_pair(pair["gold"], pair["completion"])
    verdicts = []
    user_start = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    start = time.process_time()
    for pair in pairs:
        verdicts.append(verify_pair(pair["gold"], pair["completion"]))
    seconds = time.process_time() - start
    user_seconds = resource.getrusage(resource.RUSAGE_SELF).ru_utime - user_start
    print("version", library_version())
    print("pairs", len(pairs))
    print("cpu_seconds", f"{seconds:.6f}")
    print("user_seconds", f"{user_seconds:.6f}")
    print("correct", sum(1 for v in verdicts if v))
    for index, v in enumerate(verdicts):
        if not v:
            print("miss", index)


def unescape(field):
    """Inverse of the table's PostgreSQL-COPY escaping, decoded left to right in one pass."""
    replacements = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}
    return re.sub(r"\\(.)", lambda m: replacements.get(m.group(1), m.group(0)), field)


def extraction_configs(extraction):
    if extraction.startswith("parse() defaults"):
        return [LatexExtractionConfig(), ExprExtractionConfig()]
    configs = []
    latex = re.search(r"Latex\(boxed_match_priority=(-?\d+)\)", extraction)
    if latex:
        configs.append(LatexExtractionConfig(boxed_match_priority=int(latex.group(1))))
    elif "Latex(" in extraction:
        configs.append(LatexExtractionConfig())
    if "Expr(" in extraction:
        configs.append(ExprExtractionConfig())
    return configs


def run_conformance(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    header = lines[0].split("\t")
    rows = agree = 0
    disagreements = []
    for number, line in enumerate(lines[1:], start=2):
        if not line:
            continue
        row = dict(zip(header, (unescape(field) for field in line.split("\t"))))
        if row.get("enabled", "").strip() != "yes":
            continue
        configs = extraction_configs(row["extraction"])
        got = verify(
            parse(row["gold"], configs),
            parse(row["prediction"], configs),
            float_rounding=int(row["float_rounding"]),
            strict=row["strict"].strip().lower() == "true",
            allow_set_relation_comp=row["allow_set_relation_comp"].strip().lower() == "true",
        )
        expected = row["expected"].strip() == "1"
        rows += 1
        if got == expected:
            agree += 1
        else:
            disagreements.append((number, int(expected), int(got)))
    print("version", library_version())
    print("rows", rows)
    print("agree", agree)
    for number, expected, got in disagreements:
        print("disagree", number, expected, got)


def main(argv):
    if len(argv) >= 2 and argv[0] == "pairs":
        run_pairs(argv[1], int(argv[2]) if len(argv) > 2 else 100)
    elif len(argv) == 2 and argv[0] == "conformance":
        run_conformance(argv[1])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
