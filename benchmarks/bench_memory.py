"""Peak memory of every command that reads a large run, through the installed CLI.

    python benchmarks/bench_memory.py [--cases N] [--evalgate CMD] [--keep DIR]

Writes a project of ``--cases`` cases (default 100,000) with ``bench.write_project``, starts
the local endpoint of ``bench_server.py`` (0 ms), then runs, each as a child process:

- ``run`` (the whole golden set), ``run --shard 1/2`` and ``run --shard 2/2``
- ``merge`` of the two shards, ``rescore`` and ``report`` of the whole run
- ``compare`` of the merged run against the whole run, without and with ``--out`` (which
  copies the judged run and writes its reports), ``baseline record`` of the whole run
- with that baseline on disk: ``baseline record`` of the whole run again (which grows each
  case's history from the file), and ``rescore`` of the whole run and ``run`` of the whole
  golden set, each gated against it

and prints a table of each command's peak RSS (``ru_maxrss`` from ``os.wait4``), wall and CPU
seconds and exit status. ``--evalgate`` names the command to measure (default: the
``evalgate`` script next to this Python, i.e. the installed CLI). ``--only run`` (repeatable)
measures only the commands named (each needs the runs it reads: ``merge`` the shards, the
others the whole run; the last three also the baseline ``baseline record`` writes).
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
import tempfile
from pathlib import Path

from bench import Endpoint, evalgate_env, measure, write_project


def _default_cli() -> list[str]:
    script = Path(sys.executable).with_name("evalgate")
    return [str(script)] if script.exists() else [sys.executable, "-m", "evalgate"]


def steps(runs: Path) -> list[tuple[str, list[str]]]:
    full, a, b = runs / "full", runs / "shard1", runs / "shard2"
    return [
        ("run", ["run", "-q", "--out", str(full)]),
        ("run --shard 1/2", ["run", "-q", "--shard", "1/2", "--out", str(a)]),
        ("run --shard 2/2", ["run", "-q", "--shard", "2/2", "--out", str(b)]),
        ("merge (two shards)", ["merge", "-q", str(a), str(b), "--out", str(runs / "merged")]),
        ("rescore", ["rescore", "-q", str(full), "--out", str(runs / "rescored")]),
        ("compare", ["compare", "-q", str(full), str(runs / "merged")]),
        (
            "compare --out",
            ["compare", "-q", str(full), str(runs / "merged"), "--out", str(runs / "compared")],
        ),
        ("report", ["report", "-q", str(full)]),
        ("baseline record", ["baseline", "record", str(full), "--prompt-version", "bench"]),
        ("baseline record again", ["baseline", "record", str(full), "--prompt-version", "bench"]),
        (
            "rescore (gated)",
            ["rescore", "-q", str(full), "--baseline", "bench", "--out", str(runs / "gated")],
        ),
        (
            "run (gated)",
            ["run", "-q", "--baseline", "bench", "--out", str(runs / "gated-run")],
        ),
    ]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=100_000)
    p.add_argument("--evalgate", default=None, help="the command to measure (shell words)")
    p.add_argument("--keep", type=Path, default=None, help="write the project here and keep it")
    p.add_argument("--json", type=Path, default=None, help="also write the figures here")
    p.add_argument(
        "--only", action="append", default=None, help="measure only this command (repeatable)"
    )
    a = p.parse_args()
    cli = shlex.split(a.evalgate) if a.evalgate else _default_cli()
    work = a.keep or Path(tempfile.mkdtemp(prefix="evalgate-bench-mem-"))
    endpoint = Endpoint(0.0)
    rows: list[dict[str, object]] = []
    try:
        project = write_project(work / "project", endpoint.url, a.cases)
        env = evalgate_env()
        env.pop("PYTHONPATH", None)  # the installed CLI, not this checkout by path
        for name, args in steps(project / "runs"):
            if a.only and name not in a.only:
                continue
            m = measure([*cli, *args], cwd=project, env=env)
            rows.append({"command": name, **{k: v for k, v in m.items() if k != "stderr"}})
            print(
                f"{name:<20} {m['rss_mb']:>8.0f} MB {m['wall_s']:>8.1f} s wall"
                f" {m['cpu_s']:>8.1f} s CPU  exit {int(m['exit'])}",
                flush=True,
            )
            if m["exit"] not in (0.0, 1.0, 3.0):
                sys.stderr.write(str(m["stderr"]) + "\n")
    finally:
        endpoint.close()
        if a.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\n{a.cases:,} cases; command: {' '.join(cli)}")
    print("| command | peak RSS MB | wall s | CPU s | exit |\n|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['command']} | {float(r['rss_mb']):.0f} | {float(r['wall_s']):.1f}"  # type: ignore[arg-type]
            f" | {float(r['cpu_s']):.1f} | {int(r['exit'])} |"  # type: ignore[arg-type]
        )
    if a.json:
        a.json.write_text(json.dumps({"cases": a.cases, "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
