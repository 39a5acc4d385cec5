"""Judge drift: a few calibration labels re-graded every run, compared with the calibration.

A judge can change without its name changing: a provider moves ``gpt-4o`` to a new snapshot, a
self-hosted server loads other weights under the same name. The calibration keeps the verdict
the judge gave on each label and who gave it (the reply's own ``model`` and
``system_fingerprint``). Each run re-grades ``judge.drift_sample`` of those labels (always the
same ones, so a stable judge is asked once) and counts the verdicts that changed; more than
``judge.drift_tolerance`` of them make the run inconclusive (exit 3).

Re-graded verdicts are cached under a key that holds *who answered*: the served model and
fingerprint the run's own judge replies reported. While they stay the same the check costs
nothing; when they change (or the run made no live judge call, so nobody has said), the judge
is really asked. A server that reports neither is asked every run.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from evalgate import masking
from evalgate.config.model import Config
from evalgate.errors import EvalgateError
from evalgate.fsutil import atomic_write_json
from evalgate.llmjudge.session import (
    USAGE_FILE,
    endpoint,
    make_judge,
    read_usage,
    record_usage,
    usage_doc,
)
from evalgate.model import Case, Response, ScorerSpec

if TYPE_CHECKING:  # the judge's own modules are imported only when a run has a judge
    from evalgate.llmjudge.grader import Judge

Served = tuple[str | None, str | None]


def sample(items: Sequence[Mapping[str, Any]], k: int) -> list[Mapping[str, Any]]:
    """The same ``k`` labels every run (ordered by a hash of their content; a label given
    twice is re-graded once)."""

    def order(it: Mapping[str, Any]) -> str:
        blob = json.dumps([it.get(f) for f in ("scorer", "params", "input", "output")], default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    unique = {order(it): it for it in reversed(items)}  # the first of equal labels
    return [unique[h] for h in sorted(unique)][: max(0, k)]


def _ask(judge: Judge, item: Mapping[str, Any]) -> tuple[list[dict[str, str]], Any, Any, str]:
    from evalgate.llmjudge.grader import question

    spec = ScorerSpec(str(item["scorer"]), item.get("params"))
    answer = str(item["output"])
    resp = Response(output=answer, extra={"passages": list(item.get("passages") or [])})
    messages, schema, parse, _ = question(spec, resp, dict(item.get("input") or {}), answer)
    return messages, schema, parse, spec.name


def drift_key(judge: Judge, item: Mapping[str, Any], served: Served) -> str:
    messages, _, _, name = _ask(judge, item)
    return judge.key(name, messages, 0, drift=True, served=list(served))


def remember(judge: Judge, item: Mapping[str, Any], passed: bool, served: Served) -> None:
    """File a calibration verdict under its drift key: the first check after calibrating an
    unchanged judge then asks nothing."""
    if served != (None, None):
        judge.cache.put(drift_key(judge, item, served), {"passed": passed})


async def recheck(
    judge: Judge, items: Sequence[Mapping[str, Any]], served: Served | None
) -> dict[str, Any]:
    """Re-grade ``items``; ``served`` is who answered the run's judge calls (None: unknown)."""
    changed: list[int] = []
    calls = cached = 0
    for item in items:
        known = served is not None and served != (None, None)
        hit = judge.cache.get(drift_key(judge, item, served)) if known and served else None
        if hit is not None and isinstance(hit.get("passed"), bool):
            passed, cached = bool(hit["passed"]), cached + 1
        else:
            messages, schema, parse, name = _ask(judge, item)
            content, usage = await judge.client.chat_json(
                messages, schema, name, judge.client.ep.seed
            )
            now = judge.client.last_served
            calls += 1
            judge.tally.calls += 1
            judge.tally.add(usage)
            passed = parse(content).passed
            served = now if served is None or served == (None, None) else served
            remember(judge, item, passed, now)
        if passed != bool(item.get("judge")):
            changed.append(int(item.get("line") or 0))
    return {
        "checked": len(items),
        "changed": len(changed),
        "changed_label_lines": changed,
        "calls": calls,
        "cached": cached,
        "served": list(served) if served else None,
    }


def _run_served(run_dir: Path) -> Served | None:
    usage = read_usage(run_dir) or {}
    served = [s for s in usage.get("served") or [] if isinstance(s, Mapping)]
    if not served:
        return None
    last = served[-1]
    return (last.get("model"), last.get("system_fingerprint"))


def _shown(s: Sequence[Any] | None) -> str:
    if not s or not any(s):
        return "nothing (no model nor fingerprint reported)"
    return f"model {s[0]!r}" + (f", fingerprint {s[1]!r}" if s[1] else "")


_DRIFTING = frozenset({"rubric", "grounded"})  # the verdicts a drift check asks again


def check(
    cfg: Config,
    cases: Iterable[Case],
    run_dir: Path,
    *,
    cache: bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
) -> str | None:
    """Re-check the judge against its calibration; a reason the run is inconclusive, or None.

    Nothing is checked when drift_sample is 0, no case is graded by a rubric or grounded
    verdict, or the calibration lets none of the run's judge failures block (absent, old,
    another judge, or too few labels for its criteria).
    The result goes to the run's ``judge.json`` (``drift``) and one stderr line.
    """
    k = cfg.judge.drift_sample
    if k <= 0 or not cfg.judge.model:  # (before the specs: most runs have no judge)
        return None
    specs = [
        s
        for c in cases
        if c.turns or not _DRIFTING.isdisjoint(c.expect_names)
        for s in (*c.expect, *(x for t in c.turns for x in t.expect))
        if s.name in _DRIFTING
    ]
    if not specs:
        return None
    from evalgate.llmjudge import prompts
    from evalgate.llmjudge.calibration import HINT, Calibration, Rules
    from evalgate.llmjudge.client import JudgeError

    ep = endpoint(cfg)
    path = cfg.resolve(cfg.judge.calibration)
    cal = Calibration.load(path, ep.base_url, ep.model, Rules.of(cfg.judge))
    items = [i for i in cal.data.get("items") or [] if isinstance(i, Mapping)]
    if cal.problem is not None or not items:
        return None
    if not any(cal.decide(s.name, s.params)[0] for s in specs):
        return None  # every failure is advisory anyway: drift could not change the gate
    picked = sample(items, k)
    judge = make_judge(cfg, ep, cache=cache, transport=transport)

    async def go() -> dict[str, Any]:
        try:
            return await recheck(judge, picked, _run_served(run_dir))
        finally:
            await judge.client.aclose()

    tol = cfg.judge.drift_tolerance
    before = cal.data.get("served") or []
    why: str | None
    try:
        res = asyncio.run(go())
    except (JudgeError, prompts.BadVerdict, ValueError, KeyError) as exc:
        res = {"checked": 0, "error": str(exc)}
        why = (
            f"the judge drift check could not re-grade the calibration labels ({exc}); the"
            " judge's verdicts cannot be trusted to be the calibrated judge's"
        )
    else:
        why = None
        if res["changed"] > tol * res["checked"]:
            was = _shown(before[-1] if before else None)
            why = (
                f"the LLM judge drifted: {res['changed']} of {res['checked']} calibration labels"
                f" re-graded now get another verdict than at calibration (judge.drift_tolerance"
                f" {tol:g}); the server now reports {_shown(res['served'])}, calibrated with"
                f" {was}; re-calibrate: {HINT}"
            )
    res.update(tolerance=tol, calibrated_served=before[-1] if before else None, verdict=why)
    res["status"] = "ok" if why is None else "error" if "error" in res else "drift"
    with contextlib.suppress(OSError, EvalgateError):  # its calls count with the run's
        record_usage(run_dir, usage_doc(judge, cfg, ep))
    usage = read_usage(run_dir)
    if usage is not None:
        usage["drift"] = res
        with contextlib.suppress(OSError, EvalgateError):
            atomic_write_json(run_dir / USAGE_FILE, usage)
    line = why or (
        f"judge drift check: {res['checked']} calibration label(s) re-graded, {res['changed']}"
        f" changed ({res['calls']} call(s))"
    )
    sys.stderr.write(masking.scrub(line) + "\n")
    return why
