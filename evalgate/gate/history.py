"""A baseline's history: each recording on main adds one run per case (pure).

A single recorded run is one draw of a noisy endpoint; several are an estimate. ``grow`` appends
a newly recorded run to the baseline of the same promptVersion, keeping the newest
``gate.baseline_samples`` runs per case, so the gate's tests (``gate/samples.py``) see how each
case behaves, and how much its recorded figures themselves vary.
"""

from __future__ import annotations

import dataclasses
import math

from evalgate.gate.baseline import Baseline


def grow(old: Baseline | None, new: Baseline, max_samples: int) -> Baseline:
    """``new`` (one recorded run) appended to ``old``'s history, case by case.

    A case whose content hash changed starts a new history (its past measured another case);
    cases of ``old`` that ``new`` did not run (a ``--tag`` filter) are kept as they were.
    Per-scorer passes, latency and tokens are those of the newest run.
    """
    if old is None or max_samples <= 1:
        return dataclasses.replace(new, samples=1)
    cases = dict(old.cases)
    for cid, case in new.cases.items():
        before = old.cases.get(cid)
        if before is None or before.content_hash != case.content_hash:
            cases[cid] = case
            continue
        history = (*before.samples, *case.samples)[-max_samples:]
        n = sum(h[1] for h in history)
        passes = sum(h[0] for h in history)
        score = math.fsum(h[2] * h[1] for h in history) / n
        if passes > 0 and score <= 0.0:  # cannot happen for real runs; keep the file loadable
            score = passes / n
        cases[cid] = dataclasses.replace(
            case, n=n, passes=passes, pass_rate=passes / n, score=score, history=history
        )
    return dataclasses.replace(new, cases=cases, samples=min(old.samples + 1, max_samples))
