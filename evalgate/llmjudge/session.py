"""Open the judge for a run (or a rescore, or a calibration) and report what it cost."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from evalgate import masking
from evalgate.config.model import Config
from evalgate.errors import ConfigError, EvalgateError
from evalgate.fsutil import atomic_write_json
from evalgate.llmjudge.phase import uses_judge
from evalgate.model import Case

if TYPE_CHECKING:  # the judge's own modules are imported only when a run has a judge
    from evalgate.llmjudge.client import Endpoint
    from evalgate.llmjudge.grader import Judge, Tally

DEFAULT_BASE_URL = "https://api.openai.com/v1"
USAGE_FILE = "judge.json"  # in the run folder: the judge's calls, tokens and cost
LAST_USE_FILE = "last-run.json"  # in judge.cache_dir: the last run's calls (cost estimates)
COUNTERS = ("calls", "cached", "input_tokens", "output_tokens", "unstable", "advisory_failures",
            "errors")  # fmt: skip


def endpoint(cfg: Config, environ: Mapping[str, str] | None = None) -> Endpoint:
    from evalgate.llmjudge.client import PASSED_THROUGH, Endpoint

    env = os.environ if environ is None else environ
    j = cfg.judge
    if not j.model:
        raise ConfigError(
            "the goldens use a judge scorer (rubric, grounded, similar) but judge.model is not"
            " set; add a judge: block to evalgate.yaml (docs/judge.md)"
        )
    env_base = env.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
    base_url = j.base_url or env_base
    # OPENAI_API_KEY belongs to the server OPENAI_BASE_URL (or OpenAI) names: a judge.base_url
    # pointing elsewhere (a local vLLM, the demo's judge) never receives it unless asked for.
    same_server = base_url.rstrip("/") == env_base.rstrip("/")
    key = j.api_key or (env.get("OPENAI_API_KEY") if same_server else None) or None
    if key:
        masking.register([key])
    return Endpoint(
        base_url=base_url,
        model=j.model,
        api_key=key,
        **{name: getattr(j, name) for name in PASSED_THROUGH},
    )


def make_judge(
    cfg: Config,
    ep: Endpoint,
    *,
    cache: bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Judge:
    """A judge for ``ep``: verdicts cached under judge.cache_dir unless ``cache`` is False,
    failures blocking per criterion as the calibration file allows."""
    from evalgate.llmjudge.cache import JudgeCache
    from evalgate.llmjudge.calibration import Calibration, Rules
    from evalgate.llmjudge.client import JudgeClient
    from evalgate.llmjudge.grader import Judge

    cal = Calibration.load(
        cfg.resolve(cfg.judge.calibration), ep.base_url, ep.model, Rules.of(cfg.judge)
    )
    return Judge(
        JudgeClient(ep, transport),
        JudgeCache(cfg.resolve(cfg.judge.cache_dir) if cache else None),
        votes=cfg.judge.votes,
        blocking=False,
        why_advisory=cal.problem or "",
        policy=cal.decide,
    )


@asynccontextmanager
async def open_judge(
    cfg: Config,
    cases: Iterable[Case],
    run_dir: Path | None = None,
    *,
    cache: bool = True,
    transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[Judge | None]:
    """A judge when some case uses a judge scorer (None otherwise). At the end its calls,
    tokens and cost go to stderr and, with ``run_dir``, into ``judge.json`` there (added to
    what an earlier part of the same run, before a resume or confirmation runs, recorded)."""
    if not any(uses_judge(c) for c in cases):
        yield None
        return
    ep = endpoint(cfg)
    judge = make_judge(cfg, ep, cache=cache, transport=transport)
    try:
        yield judge
    finally:
        await judge.client.aclose()
        t = judge.tally
        if t.calls + t.cached + t.errors:  # (confirmation runs may grade nothing)
            sys.stderr.write(masking.scrub(describe(t, cfg, judge)) + "\n")
        with contextlib.suppress(OSError, EvalgateError):  # the run's results come first
            if run_dir is not None:
                record_usage(run_dir, usage_doc(judge, cfg, ep))
            if cache and judge.tally.calls + judge.tally.cached:
                remember_use(cfg.resolve(cfg.judge.cache_dir) / LAST_USE_FILE, judge.tally)


def remember_use(path: Path, t: Tally) -> None:
    """For the next run's cost estimate: this run's cache hit share, and what a judge call
    cost (in tokens) the last time one was made."""
    doc: dict[str, Any] = {
        "hit_share": round(t.cached / (t.calls + t.cached), 4),
        "calls": t.calls,
        "input_tokens": t.input_tokens,
        "output_tokens": t.output_tokens,
    }
    if t.calls == 0:  # every verdict from the cache: keep the last known cost of a call
        try:
            prev = json.loads(path.read_text("utf-8"))
            if isinstance(prev, dict) and int(prev.get("calls") or 0) > 0:
                doc.update({k: int(prev[k]) for k in ("calls", "input_tokens", "output_tokens")})
        except (OSError, ValueError, KeyError, TypeError):
            pass
    atomic_write_json(path, doc)


def read_usage(run_dir: Path) -> dict[str, Any] | None:
    """The run folder's judge record, or None (absent, unreadable, not one)."""
    try:
        data = json.loads((run_dir / USAGE_FILE).read_text("utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or data.get("format_version") not in (1, 2):
        return None
    return data


def record_usage(run_dir: Path, doc: dict[str, Any]) -> None:
    """Write ``doc`` as the run's judge record, merged with the one already there: counters
    add up, reasons and served models are kept once, a drift check's result stays."""
    old = read_usage(run_dir)
    if old is not None:
        for k in COUNTERS:
            prev = old.get(k)
            if isinstance(prev, int) and not isinstance(prev, bool):
                doc[k] += prev
        for k in ("advisory_reasons", "served"):
            seen = [x for x in old.get(k) or [] if x not in doc[k]]
            doc[k] = [*seen, *doc[k]]
        doc["parts"] = int(old.get("parts") or 1) + 1
        doc["blocking"] = doc["blocking"] and bool(old.get("blocking", True))
        if old.get("drift") is not None:
            doc["drift"] = old["drift"]
    doc["total_tokens"] = doc["input_tokens"] + doc["output_tokens"]
    if doc["cost_usd"] is not None:
        doc["cost_usd"] = round(tokens_cost(doc["input_tokens"], doc["output_tokens"], doc), 6)
    doc.pop("_pricing", None)
    atomic_write_json(run_dir / USAGE_FILE, doc)


def tokens_cost(tin: int, tout: int, doc: Mapping[str, Any]) -> float:
    pin, pout = doc["_pricing"]
    return float(tin * pin + tout * pout) / 1e6


def usage_doc(judge: Judge, cfg: Config, ep: Endpoint) -> dict[str, Any]:
    t = judge.tally
    p = cfg.judge.pricing
    priced = bool(p.input_per_mtok or p.output_per_mtok)
    reasons = list(t.advisory_reasons)
    return {
        "format_version": 2,
        "judge": {"base_url": ep.base_url, "model": ep.model},
        "blocking": not reasons,  # no failure of this run was held back as advisory
        "advisory_reason": reasons[0] if reasons else None,
        **{k: getattr(t, k) for k in COUNTERS},
        "advisory_reasons": reasons,
        "served": [{"model": m, "system_fingerprint": fp} for m, fp in judge.client.served],
        "parts": 1,
        "total_tokens": t.input_tokens + t.output_tokens,
        "cost_usd": round(cost_usd(t, cfg), 6) if priced else None,
        "_pricing": (p.input_per_mtok, p.output_per_mtok),
    }


def cost_usd(t: Tally, cfg: Config) -> float:
    p = cfg.judge.pricing
    return (t.input_tokens * p.input_per_mtok + t.output_tokens * p.output_per_mtok) / 1e6


def describe(t: Tally, cfg: Config, judge: Judge) -> str:
    """One line: the judge's calls, cache use, tokens and cost (apart from the target's)."""
    parts = [
        f"judge: {t.calls} call(s), {t.cached} verdict(s) from cache,"
        f" {t.input_tokens + t.output_tokens} tokens ({t.input_tokens} in, {t.output_tokens} out)"
    ]
    if cfg.judge.pricing.input_per_mtok or cfg.judge.pricing.output_per_mtok:
        parts.append(f"${cost_usd(t, cfg):.4f}")
    if t.errors:
        parts.append(f"{t.errors} verdict(s) failed (cases counted as errors)")
    if t.unstable:
        parts.append(f"{t.unstable} unstable verdict(s) (votes disagreed)")
    if t.advisory_failures:
        why = t.advisory_reasons[0] if t.advisory_reasons else judge.why_advisory
        more = len(t.advisory_reasons) - 1
        also = f" (and {more} other reason(s): see judge.json)" if more > 0 else ""
        parts.append(f"{t.advisory_failures} failure(s) advisory only: {why}{also}")
    return "; ".join(parts)
