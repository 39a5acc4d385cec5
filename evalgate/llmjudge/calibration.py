"""How far a judge agrees with human labels, and whether that is enough to block merges.

Agreement is Cohen's kappa (chance-corrected), Gwet's AC1 (stable when one label dominates),
and the judge's true-positive / true-negative rates against the human "pass" label, each with a
95% interval (Wilson for rates, a seeded bootstrap for kappa and AC1). A judge scorer blocks a
merge only when a calibration of *this* judge (base URL, model, prompt template version) has a
kappa of at least ``judge.min_agreement``; otherwise its failures are advisory.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evalgate.llmjudge.prompts import TEMPLATE_VERSION

FORMAT = 1
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


def blocking(path: Path, base_url: str, model: str, min_agreement: float) -> tuple[bool, str]:
    """(True, "") when the calibration at ``path`` lets this judge block; else (False, why)."""
    hint = "run 'evalgate judge calibrate LABELS.yaml' (docs/judge.md)"
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return False, f"the judge is not calibrated; {hint}"
    except (OSError, ValueError, UnicodeDecodeError):
        return False, f"the judge's calibration file {path.name} cannot be read; {hint}"
    if not isinstance(data, Mapping) or data.get("format") != FORMAT:
        return False, f"the judge's calibration file {path.name} is not one; {hint}"
    if data.get("judge") != identity(base_url, model):
        return False, f"the calibration is of another judge (model, server or prompts); {hint}"
    k = (data.get("kappa") or {}).get("value") if isinstance(data.get("kappa"), Mapping) else None
    if not isinstance(k, (int, float)) or isinstance(k, bool):
        return False, f"the calibration has no kappa; {hint}"
    if k < min_agreement:
        return False, (
            f"the judge's agreement with human labels (kappa {k:.2f}) is below"
            f" judge.min_agreement {min_agreement:g}"
        )
    return True, ""
