"""Open the judge for a run (or a rescore, or a calibration) and report what it cost."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from evalgate import masking
from evalgate.config.model import Config
from evalgate.errors import ConfigError, EvalgateError
from evalgate.fsutil import atomic_write_json
from evalgate.llmjudge.cache import JudgeCache
from evalgate.llmjudge.calibration import blocking
from evalgate.llmjudge.client import PASSED_THROUGH, Endpoint, JudgeClient
from evalgate.llmjudge.grader import Judge, Tally
from evalgate.llmjudge.phase import uses_judge
from evalgate.model import Case

DEFAULT_BASE_URL = "https://api.openai.com/v1"
USAGE_FILE = "judge.json"  # in the run folder: the judge's calls, tokens and cost
# set by --no-judge-cache (or EVALGATE_NO_JUDGE_CACHE=1): every verdict is asked again
OPTIONS: dict[str, Any] = {"cache": True, "transport": None}


def endpoint(cfg: Config, environ: Mapping[str, str] | None = None) -> Endpoint:
    env = os.environ if environ is None else environ
    j = cfg.judge
    if not j.model:
        raise ConfigError(
            "the goldens use a judge scorer (rubric, grounded, similar) but judge.model is not"
            " set; add a judge: block to evalgate.yaml (docs/judge.md)"
        )
    key = j.api_key or env.get("OPENAI_API_KEY") or None
    if key:
        masking.register([key])
    return Endpoint(
        base_url=j.base_url or env.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL,
        model=j.model,
        api_key=key,
        **{name: getattr(j, name) for name in PASSED_THROUGH},
    )


def make_judge(cfg: Config, ep: Endpoint) -> Judge:
    use_cache = OPTIONS["cache"] and not os.environ.get("EVALGATE_NO_JUDGE_CACHE")
    ok, why = blocking(
        cfg.resolve(cfg.judge.calibration), ep.base_url, ep.model, cfg.judge.min_agreement
    )
    return Judge(
        JudgeClient(ep, OPTIONS["transport"]),
        JudgeCache(cfg.resolve(cfg.judge.cache_dir) if use_cache else None),
        votes=cfg.judge.votes,
        blocking=ok,
        why_advisory=why,
    )


@asynccontextmanager
async def open_judge(
    cfg: Config, cases: Iterable[Case], run_dir: Path | None = None
) -> AsyncIterator[Judge | None]:
    """A judge when some case uses a judge scorer (None otherwise). At the end its calls,
    tokens and cost go to stderr and, with ``run_dir``, to ``judge.json`` there."""
    if not any(uses_judge(c) for c in cases):
        yield None
        return
    ep = endpoint(cfg)
    judge = make_judge(cfg, ep)
    try:
        yield judge
    finally:
        await judge.client.aclose()
        sys.stderr.write(masking.scrub(describe(judge.tally, cfg, judge)) + "\n")
        if run_dir is not None:
            with contextlib.suppress(OSError, EvalgateError):  # the run's results come first
                atomic_write_json(run_dir / USAGE_FILE, usage_doc(judge, cfg, ep))


def usage_doc(judge: Judge, cfg: Config, ep: Endpoint) -> dict[str, Any]:
    t = judge.tally
    priced = bool(cfg.judge.pricing.input_per_mtok or cfg.judge.pricing.output_per_mtok)
    return {
        "format_version": 1,
        "judge": {"base_url": ep.base_url, "model": ep.model},
        "blocking": judge.blocking,
        "advisory_reason": None if judge.blocking else judge.why_advisory,
        **asdict(t),
        "total_tokens": t.input_tokens + t.output_tokens,
        "cost_usd": round(cost_usd(t, cfg), 6) if priced else None,
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
        parts.append(f"{t.advisory_failures} failure(s) advisory only: {judge.why_advisory}")
    return "; ".join(parts)
