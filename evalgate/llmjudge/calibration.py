"""How far a judge agrees with human labels, and whether that is enough to block merges.

Agreement is Cohen's kappa (chance-corrected), Gwet's AC1 (stable when one label dominates),
and the judge's true-positive / true-negative rates against the human "pass" label, each with a
95% interval (Wilson for rates, a seeded bootstrap for kappa and AC1), overall and per
criterion. A judge scorer blocks a merge only when a calibration of *this* judge (base URL,
model, prompt template version) has at least ``judge.min_labels`` labels for the scorer's
criterion (or overall, with ``calibration_scope: global``) and the *lower* 95% bound of its
agreement statistic (kappa or AC1) is at least ``judge.min_agreement``; otherwise its failures
are advisory, and the reason says which of these is missing.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalgate.config.model import JudgeConfig
from evalgate.llmjudge.prompts import TEMPLATE_VERSION

FORMAT = 2  # 1: one set of figures; 2: per criterion, with the graded items (drift checks)
HINT = "run 'evalgate judge calibrate LABELS.yaml' (docs/judge.md)"
_Z = 1.959964


def wilson(k: int, n: int) -> tuple[float, float] | None:
    if n == 0:
        return None
    p = k / n
    den = 1 + _Z * _Z / n
    mid = (p + _Z * _Z / (2 * n)) / den
    half = _Z * math.sqrt(p * (1 - p) / n + _Z * _Z / (4 * n * n)) / den
    return max(0.0, mid - half), min(1.0, mid + half)


def kappa(pairs: Sequence[tuple[bool, bool]]) -> float | None:
    n = len(pairs)
    if n == 0:
        return None
    pa = sum(j == h for j, h in pairs) / n
    pj = sum(j for j, _ in pairs) / n
    ph = sum(h for _, h in pairs) / n
    pe = pj * ph + (1 - pj) * (1 - ph)
    return None if pe >= 1 else (pa - pe) / (1 - pe)


def ac1(pairs: Sequence[tuple[bool, bool]]) -> float | None:
    n = len(pairs)
    if n == 0:
        return None
    pa = sum(j == h for j, h in pairs) / n
    pi = (sum(j for j, _ in pairs) + sum(h for _, h in pairs)) / (2 * n)
    pe = 2 * pi * (1 - pi)
    return None if pe >= 1 else (pa - pe) / (1 - pe)


def _boot(stat: Any, pairs: Sequence[tuple[bool, bool]], seed: int = 0, b: int = 2000) -> Any:
    rng = random.Random(seed)
    vals = sorted(
        v
        for v in (stat([pairs[rng.randrange(len(pairs))] for _ in pairs]) for _ in range(b))
        if v is not None
    )
    if len(vals) < b // 2:
        return None
    return [round(vals[int(0.025 * len(vals))], 4), round(vals[int(0.975 * len(vals)) - 1], 4)]


def agreement(pairs: Sequence[tuple[bool, bool]]) -> dict[str, Any]:
    """Figures for ``(judge_passed, human_passed)`` pairs."""
    pos = [j for j, h in pairs if h]
    neg = [not j for j, h in pairs if not h]

    def rate(hits: list[bool]) -> dict[str, Any]:
        ci = wilson(sum(hits), len(hits))
        return {
            "value": round(sum(hits) / len(hits), 4) if hits else None,
            "ci": [round(ci[0], 4), round(ci[1], 4)] if ci else None,
            "n": len(hits),
        }

    def stat(fn: Any) -> dict[str, Any]:
        v = fn(pairs)
        ci = _boot(fn, pairs) if pairs else None
        return {"value": None if v is None else round(v, 4), "ci": ci}

    return {
        "n": len(pairs),
        "observed_agreement": round(sum(j == h for j, h in pairs) / len(pairs), 4)
        if pairs
        else None,
        "kappa": stat(kappa),
        "ac1": stat(ac1),
        "tpr": rate(pos),
        "tnr": rate(neg),
    }


def identity(base_url: str, model: str) -> dict[str, str]:
    return {"base_url": base_url.rstrip("/"), "model": model, "template": TEMPLATE_VERSION}


def criterion_of(scorer: str, params: Any) -> str:
    """The criterion a judge verdict is about: a rubric's ``criteria`` text, or the scorer
    (``grounded``) when it has none. Calibration figures are kept per criterion."""
    if scorer == "rubric":
        text = params if isinstance(params, str) else (params or {}).get("criteria", "")
        return f"rubric: {' '.join(str(text).split())}"
    return scorer


@dataclass(frozen=True)
class Rules:
    """What a calibration must show for judge failures to block (the ``judge:`` settings)."""

    min_agreement: float = JudgeConfig.min_agreement
    min_labels: int = JudgeConfig.min_labels
    statistic: str = JudgeConfig.agreement_statistic  # kappa or ac1
    scope: str = JudgeConfig.calibration_scope  # criterion or global

    @classmethod
    def of(cls, j: JudgeConfig) -> Rules:
        return cls(j.min_agreement, j.min_labels, j.agreement_statistic, j.calibration_scope)


@dataclass(frozen=True)
class Calibration:
    """A calibration file as read for one judge: ``problem`` says why it cannot be used."""

    data: Mapping[str, Any]
    rules: Rules
    problem: str | None = None

    @classmethod
    def load(cls, path: Path, base_url: str, model: str, rules: Rules) -> Calibration:
        try:
            data = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            return cls({}, rules, f"the judge is not calibrated; {HINT}")
        except (OSError, ValueError, UnicodeDecodeError):
            return cls(
                {}, rules, f"the judge's calibration file {path.name} cannot be read; {HINT}"
            )
        if not isinstance(data, Mapping) or data.get("format") not in (1, FORMAT):
            return cls({}, rules, f"the judge's calibration file {path.name} is not one; {HINT}")
        if data.get("judge") != identity(base_url, model):
            return cls(
                {}, rules, f"the calibration is of another judge (model, server or prompts); {HINT}"
            )
        if data.get("format") != FORMAT:
            return cls(
                {},
                rules,
                f"the calibration was written by an older evalgate (no per-criterion"
                f" figures); {HINT}",
            )
        return cls(data, rules)

    def decide(self, scorer: str, params: Any) -> tuple[bool, str]:
        """(True, "") when failures of this scorer and criterion may block; else (False, why)."""
        if self.problem is not None:
            return False, self.problem
        r = self.rules
        if r.scope == "global":
            figures, what = self.data, "the labels"
        else:
            crit = criterion_of(scorer, params)
            figures = (self.data.get("criteria") or {}).get(crit) or {}
            what = f"the labels of this criterion ({_clip(crit)})"
            if not figures:
                return False, (
                    f"the calibration has no labels for this criterion ({_clip(crit)}); label"
                    f" at least {r.min_labels} answers for it, then {HINT}"
                )
        n = int(figures.get("n") or 0)
        if n < r.min_labels:
            return False, (
                f"{what}: {n} judged label(s), fewer than judge.min_labels {r.min_labels}; label"
                f" more, then {HINT}"
            )
        sides = [(figures.get(s) or {}).get("n") for s in ("tpr", "tnr")]
        if not all(isinstance(x, int) and x > 0 for x in sides):
            return False, (
                f"{what}: every label is pass, or every one fail, so the judge was never seen"
                f" telling them apart; label both, then {HINT}"
            )
        raw = figures.get(r.statistic)
        fig: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        ci, point = fig.get("ci"), fig.get("value")
        if not isinstance(ci, list) or len(ci) != 2 or not isinstance(point, (int, float)):
            return False, (
                f"{what}: the judge's {r.statistic} is undefined (every label is pass, or every"
                f" one fail); label both, then {HINT}"
            )
        low = float(ci[0])
        if low < r.min_agreement:
            return False, (
                f"{what}: the lower 95% bound of the judge's {r.statistic} with human labels is"
                f" {low:.2f} (point {float(point):.2f}), below judge.min_agreement"
                f" {r.min_agreement:g}"
            )
        return True, ""


def _clip(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def blocking(path: Path, base_url: str, model: str, rules: Rules) -> tuple[bool, str]:
    """(True, "") when the calibration at ``path`` lets every label's criterion block (the
    global figures under ``calibration_scope: global``); else (False, why)."""
    cal = Calibration.load(path, base_url, model, rules)
    if cal.problem is not None or rules.scope == "global":
        return cal.decide("", None)
    crits = list((cal.data.get("criteria") or {}).items())
    for crit, _ in crits:
        scorer, _, text = crit.partition(": ")
        ok, why = cal.decide(scorer, text if scorer == "rubric" else None)
        if not ok:
            return ok, why
    return (True, "") if crits else (False, f"the calibration has no labels; {HINT}")
