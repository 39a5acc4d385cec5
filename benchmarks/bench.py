"""evalgate against two floors (bare httpx and bare aiohttp loops) and promptfoo, side by side.

    python benchmarks/bench.py [--quick] [--runs N] [--skip-promptfoo] [--skip-large]

Starts a fast local endpoint (benchmarks/bench_server.py) per scenario, then runs each tool as
a child process and records its wall time, CPU time (user+sys) and peak RSS (``ru_maxrss`` from
``os.wait4``); each figure is the median of ``--runs`` runs, the tools taking turns. evalgate
is this checkout (``python -m evalgate`` with the checkout first on ``PYTHONPATH``), once with
its default transport and once with ``target.transport: httpx``. The 1,000- and 5,000-case
scenarios at 0 ms give each tool's CPU per case at the margin (start-up and loading left out).
The table and the targets go to stdout and the figures to benchmarks/results/<date>.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import bench_promptfoo
import bench_report

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CONCURRENCY = 50


def measure(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 3600.0,
) -> dict[str, float]:
    """Run ``argv`` to completion; its wall time, CPU seconds and peak RSS in MB."""
    t0 = time.perf_counter()
    with open(os.devnull, "wb") as null, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=null, stderr=err
        )
        _, status, ru = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t0
        err.seek(0)
        tail = err.read()[-2000:].decode("utf-8", "replace")
    if wall > timeout:
        raise RuntimeError(f"{argv[0]} took {wall:.0f} s")
    return {
        "wall_s": wall,
        "cpu_s": ru.ru_utime + ru.ru_stime,
        "rss_mb": ru.ru_maxrss / 1024.0,
        "exit": float(proc.returncode),
        "stderr": tail,
    }  # type: ignore[dict-item]


def median_of(samples: list[dict[str, float]]) -> dict[str, float]:
    keys = [k for k in ("wall_s", "cpu_s", "rss_mb", "run_phase_s") if k in samples[0]]
    out = {k: round(statistics.median(s[k] for s in samples), 3) for k in keys}
    out["runs"] = len(samples)
    out["exit"] = max(s["exit"] for s in samples)
    return out


class Endpoint:
    """The local server in a child process, for one latency."""

    def __init__(self, latency_ms: float) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="evalgate-bench-srv-")
        port_file = Path(self.tmp.name) / "port"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "bench_server.py"),
                "serve",
                "--port-file",
                str(port_file),
                "--latency-ms",
                str(latency_ms),
            ]
        )
        deadline = time.monotonic() + 20
        while not port_file.exists():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("the benchmark endpoint did not start")
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{port_file.read_text()}/v1/copilot"

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        self.tmp.cleanup()


def evalgate_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env["NO_COLOR"] = "1"
    for k in [k for k in env if k.startswith(("GITHUB_", "OTEL_", "LANGFUSE_"))]:
        del env[k]
    return env


EVALGATE = [sys.executable, "-m", "evalgate"]


def write_project(folder: Path, url: str, n: int, transport: str | None = None) -> Path:
    """An evalgate project with ``n`` cases, three scorers each, in files of 10,000 cases."""
    folder.mkdir(parents=True, exist_ok=True)
    chosen = f"\n  transport: {transport}" if transport else ""
    (folder / "evalgate.yaml").write_text(f"""version: 1
target:
  url: {url}
  method: POST
  body:
    message: "{{{{ input.message }}}}"
    tenantId: "{{{{ case.metadata.tenant }}}}"
    sessionId: "{{{{ session_id }}}}"
    history: "{{{{ history }}}}"
  response:
    output: answer
    citations: citations[].doc_id
    retrieved: retrieval.doc_ids
    tool_calls: tool_calls
    prompt_version: promptVersion
    model: model
    input_tokens: usage.input_tokens
    output_tokens: usage.output_tokens
    trace_id: traceId
    refused: refused
  timeout_s: 30
  concurrency: {CONCURRENCY}{chosen}
goldens: [goldens/]
scorers_dir: null
reports: {{dir: runs, junit: junit.xml, markdown: report.md, html: report.html}}
""")
    gold = folder / "goldens"
    gold.mkdir(exist_ok=True)
    per_file = 10_000
    for start in range(0, n, per_file):
        lines = ["dataset: bench", "defaults: {metadata: {tenant: acme}}", "cases:"]
        for i in range(start, min(n, start + per_file)):
            lines += [
                f"  - id: q{i:06d}",
                f'    input: {{message: "How long do customers have to ask for a refund? #{i}"}}',
                "    expect:",
                '      - contains: "30 days"',
                "      - citation: {required: true, any_of: [kb-refunds], must_be_retrieved: true}",
                "      - tool_call: {name: search_kb}",
            ]
        (gold / f"bench-{start // per_file:03d}.yaml").write_text("\n".join(lines) + "\n")
    return folder


def evalgate_run(project: Path, k: int) -> dict[str, float]:
    """One ``evalgate run``, plus the run phase alone (summary.json's duration_s)."""
    out = project / "runs" / f"r{k}"
    m = measure([*EVALGATE, "run", "--out", str(out)], cwd=project, env=evalgate_env())
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        m["run_phase_s"] = float(json.loads((out / "summary.json").read_text())["duration_s"])
    return m


def floor_tool(kind: str, url: str, n: int) -> Callable[[int], dict[str, float]]:
    """A bare loop; its own loop time (printed on stderr) is its run phase."""
    argv = [sys.executable, str(HERE / "bench_server.py"), kind, url, str(n), str(CONCURRENCY)]

    def run(_: int) -> dict[str, float]:
        m = measure(argv)
        found = re.search(r"requests in ([0-9.]+) s", str(m.get("stderr", "")))
        if found:
            m["run_phase_s"] = float(found.group(1))
        return m

    return run


def run_scenario(
    name: str,
    n: int,
    latency_ms: float,
    runs: int,
    work: Path,
    promptfoo: bench_promptfoo.Promptfoo | None,
    httpx_transport: bool = True,
) -> dict[str, object]:
    ep = Endpoint(latency_ms)
    try:
        project = write_project(work / f"{name}-project", ep.url, n)
        tools: dict[str, Callable[[int], dict[str, float]]] = {
            "floor-httpx": floor_tool("floor", ep.url, n),
            "floor-aiohttp": floor_tool("floor-aiohttp", ep.url, n),
            "evalgate": lambda k: evalgate_run(project, k),
        }
        if httpx_transport:
            slow = write_project(work / f"{name}-project-httpx", ep.url, n, "httpx")
            tools["evalgate-httpx"] = lambda k: evalgate_run(slow, k)
        if promptfoo is not None:
            pf_dir = promptfoo.write_project(work / f"{name}-promptfoo", ep.url, n, CONCURRENCY)
            tools["promptfoo"] = lambda _: promptfoo.measure(pf_dir, measure)
        samples: dict[str, list[dict[str, float]]] = {t: [] for t in tools}
        for k in range(runs):
            for tool, fn in tools.items():
                s = fn(k)
                sys.stderr.write(
                    f"  {name} {tool} run {k + 1}: {s['wall_s']:.2f} s, {s['cpu_s']:.2f} s CPU, "
                    f"{s['rss_mb']:.0f} MB, exit {s['exit']:.0f}\n"
                )
                if s["exit"] not in (0.0, 100.0):  # promptfoo exits 100 when a test fails
                    sys.stderr.write(str(s.get("stderr", "")) + "\n")
                samples[tool].append(s)
    finally:
        ep.close()
    out: dict[str, object] = {"cases": n, "latency_ms": latency_ms, "concurrency": CONCURRENCY}
    out.update({t: median_of(s) for t, s in samples.items()})
    if latency_ms:
        out["ideal_s"] = n * latency_ms / 1000.0 / CONCURRENCY
    return out


def startup(runs: int, work: Path) -> dict[str, object]:
    project = write_project(work / "startup-project", "http://127.0.0.1:9/v1/copilot", 1000)
    env = evalgate_env()
    cmds = {
        "python -c pass": ([sys.executable, "-c", "pass"], None),
        "evalgate --help": ([*EVALGATE, "--help"], None),
        "evalgate validate (1,000 cases)": ([*EVALGATE, "validate"], project),
    }
    out: dict[str, object] = {}
    for label, (argv, cwd) in cmds.items():
        out[label] = median_of([measure(argv, cwd=cwd, env=env) for _ in range(max(runs, 5))])
    return out


def machine() -> dict[str, object]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="1 run; 10,000 cases for the large one")
    p.add_argument("--runs", type=int, default=None, help="runs per tool (default 3)")
    p.add_argument("--large-runs", type=int, default=1, help="runs of the large scenario")
    p.add_argument("--large-cases", type=int, default=None, help="default 100,000")
    p.add_argument("--margin-cases", type=int, default=5000, help="the second point of CPU/case")
    p.add_argument("--skip-promptfoo", action="store_true")
    p.add_argument("--skip-large", action="store_true")
    p.add_argument("--skip-httpx-transport", action="store_true", help="no evalgate-httpx runs")
    p.add_argument("--only", choices=("0ms", "50ms", "margin", "large", "startup"), action="append")
    p.add_argument("--out", type=Path, default=None, help="JSON file (default results/<date>)")
    a = p.parse_args()
    runs = a.runs or (1 if a.quick else 3)
    large_n = a.large_cases or (10_000 if a.quick else 100_000)
    only = set(a.only or ("0ms", "50ms", "margin", "large", "startup"))
    pf: bench_promptfoo.Promptfoo | None = None
    pf_note = "skipped (--skip-promptfoo)"
    if not a.skip_promptfoo and only & {"0ms", "50ms", "margin"}:
        pf, pf_note = bench_promptfoo.Promptfoo.install()
    results: dict[str, object] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "command": " ".join(["python", *sys.argv]),
        "promptfoo": pf.version if pf else pf_note,
        "scenarios": {},
        "startup": {},
    }
    both = not a.skip_httpx_transport
    # an installed wheel has its modules compiled; so does the checkout measured here (even
    # where PYTHONDONTWRITEBYTECODE keeps each start from writing them)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "evalgate")], check=True)
    with tempfile.TemporaryDirectory(prefix="evalgate-bench-") as tmp:
        work = Path(tmp)
        sc: dict[str, object] = results["scenarios"]  # type: ignore[assignment]
        if "0ms" in only or "margin" in only:
            sc["1000@0ms"] = run_scenario("0ms", 1000, 0.0, runs, work, pf, both)
        if "margin" in only:
            m = a.margin_cases
            sc[f"{m}@0ms"] = run_scenario("margin", m, 0.0, runs, work, pf, both)
        if "50ms" in only:
            sc["1000@50ms"] = run_scenario("50ms", 1000, 50.0, runs, work, pf, both)
        if "large" in only and not a.skip_large:
            sc["large"] = run_scenario("large", large_n, 0.0, a.large_runs, work, None, both)
        if "startup" in only:
            results["startup"] = startup(runs, work)
    results["per_case"] = bench_report.per_case(results)
    results["targets"] = bench_report.targets(results)
    print(bench_report.table(results))
    print()
    print(bench_report.targets_table(results))
    out = a.out or HERE / "results" / f"{datetime.now().strftime('%Y-%m-%d')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
