"""Golden loading: ``evalgate validate`` against plain ``yaml.load`` + ``jsonschema``, side by side.

    python benchmarks/bench_load.py [--sizes 1000,10000,100000] [--single N] [--runs N]
                                    [--base DIR]

For each size it writes a project with ``benchmarks/bench.py``'s ``write_project`` (10,000
cases per golden file, three scorers each) and, for the largest size (or ``--single N``), the
same cases in one golden file (see ``write_single``). Then, as child processes taking turns,
each measured for wall time, CPU (user + sys) and peak RSS (``os.wait4``), median of
``--runs``:

- **plain**: ``yaml.load`` (libyaml's ``CSafeLoader`` when available) of every golden file and
  ``jsonschema``'s Draft 2020-12 validator with the golden schema; no positions, no cases.
- **evalgate**: ``python -m evalgate validate`` with this checkout first on ``PYTHONPATH``.
- **before** (with ``--base DIR``): the same with ``DIR`` first instead: a checkout (or
  ``git archive`` export) of another version, e.g. ``git archive main evalgate | tar -x -C DIR``.

A command that does not exit 0 (a file refused) has its exit status next to its name; the table
goes to stdout.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import ROOT, evalgate_env, measure, write_project

URL = "http://127.0.0.1:9/never-called"
PLAIN = """
import json, sys, pathlib, yaml
from jsonschema import Draft202012Validator
loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
schema = json.loads(pathlib.Path(sys.argv[1]).read_text())
validator = Draft202012Validator(schema)
cases = 0
for f in sorted(pathlib.Path("goldens").rglob("*.yaml")):
    data = yaml.load(f.read_text("utf-8"), Loader=loader)
    if any(True for _ in validator.iter_errors(data)):
        sys.exit(f"{f}: invalid")
    cases += len(data["cases"])
print(cases)
"""


def write_single(folder: Path, n: int) -> Path:
    """A project with ``n`` cases in one golden file: ``write_project``'s cases (three scorers,
    27 YAML values each) with a shorter message and less indentation, so that 100,000 of them
    (2.7 million values) stay under the 20 MiB file limit."""
    write_project(folder, URL, 1)
    for f in (folder / "goldens").iterdir():
        f.unlink()
    lines = ["dataset: bench", "defaults: {metadata: {tenant: acme}}", "cases:"]
    for i in range(n):
        lines += [
            f"- id: q{i:06d}",
            f'  input: {{message: "Refund window? #{i}"}}',
            "  expect:",
            '  - contains: "30 days"',
            "  - citation: {required: true, any_of: [kb-refunds], must_be_retrieved: true}",
            "  - tool_call: {name: search_kb}",
        ]
    (folder / "goldens" / "single.yaml").write_text("\n".join(lines) + "\n", "utf-8")
    return folder


def _write(kind: str, folder: Path, n: int) -> Path:
    """Write a project in a child process: a child's peak RSS counts the memory of the
    process it was forked from, so the measuring process must stay small."""
    cmd = [sys.executable, __file__, "--sizes", str(n), "--write", kind, str(folder)]
    subprocess.run(cmd, check=True)
    return folder


def _env(first: Path) -> dict[str, str]:
    env = evalgate_env()
    env["PYTHONPATH"] = os.pathsep.join([str(first), env["PYTHONPATH"]])
    return env


def _median(samples: list[dict[str, float]]) -> dict[str, float]:
    out = {k: statistics.median(s[k] for s in samples) for k in ("wall_s", "cpu_s", "rss_mb")}
    out["exit"] = max(s["exit"] for s in samples)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--base", type=Path, help="another evalgate checkout to compare with")
    ap.add_argument(
        "--single", type=int, help="cases in the one-file project (default: largest size; 0: none)"
    )
    ap.add_argument("--write", nargs=2, metavar=("KIND", "DIR"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.write:  # in a child process: this one stays small (see _write)
        kind, folder = args.write
        n = int(args.sizes)
        (write_project(Path(folder), URL, n) if kind == "multi" else write_single(Path(folder), n))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    schema = ROOT / "evalgate" / "schemas" / "golden.schema.json"
    tools: list[tuple[str, list[str], dict[str, str]]] = [
        ("plain yaml+jsonschema", [sys.executable, "-c", PLAIN, str(schema)], dict(os.environ)),
        ("evalgate validate", [sys.executable, "-m", "evalgate", "validate"], _env(ROOT)),
    ]
    if args.base is not None:
        base = args.base.resolve()
        before = [sys.executable, "-m", "evalgate", "validate"]
        tools.append(("before: evalgate validate", before, _env(base)))
    with tempfile.TemporaryDirectory(prefix="evalgate-bench-load-") as tmp:
        projects = [(f"{n:,} cases", _write("multi", Path(tmp) / f"p{n}", n)) for n in sizes if n]
        n = max(sizes) if args.single is None else args.single
        if n:
            projects.append((f"{n:,} cases, one file", _write("single", Path(tmp) / f"s{n}", n)))
        print("| project | tool | wall s | CPU s | peak RSS MB | vs plain (CPU) |")
        print("|---|---|---|---|---|---|")
        for label, folder in projects:
            results: dict[str, dict[str, float]] = {}
            samples: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in tools}
            for _ in range(args.runs):
                for name, cmd, env in tools:  # the tools take turns
                    samples[name].append(measure(cmd, cwd=folder, env=env))
            for name, _, _ in tools:
                results[name] = _median(samples[name])
            plain = results["plain yaml+jsonschema"]["cpu_s"]
            for name, r in results.items():
                status = "" if r["exit"] == 0 else f" (exit {int(r['exit'])})"
                print(
                    f"| {label} | {name}{status} | {r['wall_s']:.2f} | {r['cpu_s']:.2f} |"
                    f" {r['rss_mb']:.0f} | {r['cpu_s'] / plain:.2f}× |",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
