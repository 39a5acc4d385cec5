"""The benchmark's table, CPU per case at the margin, and the targets with their ratios.

Every ratio compares figures from the same run (the tools took turns on the same endpoint), so
it holds on a loaded machine where the absolute times do not.
"""

from __future__ import annotations

from typing import Any

TOOLS = ("floor-httpx", "floor-aiohttp", "evalgate", "evalgate-httpx", "promptfoo")

# (name, what is compared, the limit, "max": the ratio must not exceed it; "min": reach it)
TARGETS = (
    ("cpu_per_case", "evalgate CPU per case ÷ bare aiohttp loop's", 2.5, "max"),
    ("wall_0ms", "1,000 cases at 0 ms: evalgate wall ÷ bare aiohttp loop's", 2.0, "max"),
    ("wall_50ms", "1,000 cases at 50 ms: evalgate wall ÷ ideal", 1.3, "max"),
    ("phase_50ms", "1,000 cases at 50 ms: evalgate run phase ÷ ideal", 1.3, "max"),
    ("vs_promptfoo", "promptfoo CPU per case ÷ evalgate's", 20.0, "min"),
)


def _margin(results: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], int] | None:
    """The 1,000-case and the larger scenario at 0 ms, and the cases between them."""
    sc = results["scenarios"]
    small = sc.get("1000@0ms")
    big = next((v for k, v in sc.items() if k.endswith("@0ms") and k != "1000@0ms"), None)
    if small is None or big is None:
        return None
    return small, big, int(big["cases"]) - int(small["cases"])


def per_case(results: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Each tool's CPU ms per case: at the margin (1,000 to N cases) and over 1,000 cases."""
    out: dict[str, dict[str, float]] = {}
    small = results["scenarios"].get("1000@0ms") or {}
    margin = _margin(results)
    for tool in TOOLS:
        row: dict[str, float] = {}
        if tool in small:
            row["whole_ms"] = round(small[tool]["cpu_s"], 4)  # ms per case over 1,000 cases
        if margin is not None and tool in margin[0] and tool in margin[1]:
            a, b, n = margin[0][tool]["cpu_s"], margin[1][tool]["cpu_s"], margin[2]
            row["margin_ms"] = round((b - a) / n * 1000.0, 4)
        if row:
            out[tool] = row
    return out


def _cpu(per: dict[str, dict[str, float]], tool: str) -> tuple[float | None, str]:
    row = per.get(tool, {})
    if "margin_ms" in row:
        return row["margin_ms"], "margin"
    return row.get("whole_ms"), "whole 1,000-case run"


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    per = results.get("per_case") or per_case(results)
    sc = results["scenarios"]
    out: list[dict[str, Any]] = []
    for key, label, limit, kind in TARGETS:
        ratio: float | None = None
        basis = ""
        if key == "cpu_per_case":
            ours, basis = _cpu(per, "evalgate")
            floor, _ = _cpu(per, "floor-aiohttp")
            ratio = ours / floor if ours and floor else None
        elif key == "wall_0ms" and "1000@0ms" in sc:
            s = sc["1000@0ms"]
            if "evalgate" in s and "floor-aiohttp" in s:
                ratio = s["evalgate"]["wall_s"] / s["floor-aiohttp"]["wall_s"]
        elif key == "wall_50ms" and "1000@50ms" in sc:
            s = sc["1000@50ms"]
            if "evalgate" in s:
                ratio = s["evalgate"]["wall_s"] / s["ideal_s"]
                if "floor-aiohttp" in s:
                    floor = s["floor-aiohttp"]["wall_s"] / s["ideal_s"]
                    basis = f"the bare aiohttp loop's whole process: {floor:.2f}×"
        elif key == "phase_50ms" and "1000@50ms" in sc:
            s = sc["1000@50ms"]
            if s.get("evalgate", {}).get("run_phase_s"):
                ratio = s["evalgate"]["run_phase_s"] / s["ideal_s"]
                basis = "calls and scoring, without start-up, loading and reports"
                if s.get("floor-aiohttp", {}).get("run_phase_s"):
                    floor = s["floor-aiohttp"]["run_phase_s"] / s["ideal_s"]
                    basis += f"; the bare aiohttp loop's own loop: {floor:.2f}×"
        elif key == "vs_promptfoo":
            ours, basis = _cpu(per, "evalgate")
            theirs, _ = _cpu(per, "promptfoo")
            ratio = theirs / ours if ours and theirs else None
        met = None
        if ratio is not None:
            met = ratio <= limit if kind == "max" else ratio >= limit
        out.append(
            {
                "target": key,
                "what": label,
                "limit": limit,
                "kind": kind,
                "ratio": None if ratio is None else round(ratio, 2),
                "met": met,
                "basis": basis,
            }
        )
    return out


def _ratio(a: object, b: object) -> float | None:
    if not isinstance(a, dict) or not isinstance(b, dict) or not b.get("wall_s"):
        return None
    return round(a["wall_s"] / b["wall_s"], 2)


def table(results: dict[str, Any]) -> str:
    rows = [
        "| scenario | tool | wall s | CPU s | peak RSS MB | note |",
        "|---|---|---|---|---|---|",
    ]
    for key, sc in results["scenarios"].items():
        for tool in TOOLS:
            m = sc.get(tool)
            if m is None:
                if tool == "promptfoo" and key != "large":
                    rows.append(f"| {key} | promptfoo | – | – | – | {results['promptfoo']} |")
                continue
            note = ""
            if tool.startswith("evalgate"):
                note = (
                    f"{_ratio(m, sc.get('floor-aiohttp'))}× aiohttp loop, "
                    f"{_ratio(m, sc.get('floor-httpx'))}× httpx loop"
                )
                if m.get("run_phase_s") is not None:
                    note += f", run phase {m['run_phase_s']:.2f} s"
                if sc.get("ideal_s"):
                    ideal = sc["ideal_s"]
                    note += f", {round(m['wall_s'] / ideal, 2)}× ideal ({ideal} s)"
            if tool.startswith("floor") and m.get("run_phase_s") is not None:
                note = f"its loop {m['run_phase_s']:.2f} s"
            if tool == "promptfoo":
                note = f"{_ratio(m, sc.get('evalgate'))}× evalgate"
            if m["exit"] not in (0, 100):
                note += f", exit {m['exit']:.0f}"
            rows.append(
                f"| {key} | {tool} | {m['wall_s']:.2f} | {m['cpu_s']:.2f} | "
                f"{m['rss_mb']:.0f} | {note} |"
            )
    for tool, row in (results.get("per_case") or {}).items():
        parts = [f"{row['whole_ms']:.2f} ms over 1,000 cases"] if "whole_ms" in row else []
        if "margin_ms" in row:
            parts.append(f"{row['margin_ms']:.3f} ms at the margin")
        rows.append(f"| CPU per case | {tool} | | | | {'; '.join(parts)} |")
    for label, m in (results.get("startup") or {}).items():
        rows.append(
            f"| start-up | {label} | {m['wall_s']:.3f} | {m['cpu_s']:.3f} | {m['rss_mb']:.0f} | |"
        )
    return "\n".join(rows)


def targets_table(results: dict[str, Any]) -> str:
    rows = ["| target | ratio | limit | met | |", "|---|---|---|---|---|"]
    for t in results.get("targets") or targets(results):
        sign = "≤" if t["kind"] == "max" else "≥"
        ratio = "–" if t["ratio"] is None else f"{t['ratio']}×"
        met = {True: "yes", False: "no", None: "not measured"}[t["met"]]
        rows.append(f"| {t['what']} | {ratio} | {sign} {t['limit']}× | {met} | {t['basis']} |")
    return "\n".join(rows)
