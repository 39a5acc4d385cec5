"""A baseline's history: each recording on main adds one run per case (pure).

A single recorded run is one draw of a noisy endpoint; several are an estimate. ``grow`` appends
a newly recorded run to the baseline of the same promptVersion, keeping the newest
``gate.baseline_samples`` runs per case, so the gate's tests (``gate/samples.py``) see how each
case behaves, and how much its recorded figures themselves vary.
"""

from __future__ import annotations

import dataclasses
import math

from evalgate.gate.baseline import Baseline, BaselineCase
from evalgate.gate.case_parts import CaseParts


def grow(old: Baseline | None, new: Baseline, max_samples: int) -> Baseline:
    """``new`` (one recorded run) appended to ``old``'s history, case by case.

    A case whose content hash changed starts a new history (its past measured another case);
    cases of ``old`` that ``new`` did not run (a ``--tag`` filter) are kept as they were.
    Per-scorer passes, latency and tokens are those of the newest run.
    """
    return grow_handed([old, new], max_samples, old_given=False, new_given=False)


def grow_handed(
    handed: list[Baseline | None],
    max_samples: int,
    *,
    old_given: bool = True,
    new_given: bool = True,
) -> Baseline:
    """:func:`grow` for a caller that hands the baselines over: ``handed`` is ``[old, new]``
    and is emptied; the old baseline's cases become the grown one's (each replaced in place
    as it grows, not copied, unless not ``old_given``), and each new case is let go once its
    grown case is made (unless not ``new_given``), so the two baselines and the grown one are
    not held whole together. Equal histories are held once (``gate/case_parts.py``)."""
    new = handed.pop()
    old = handed.pop()
    assert new is not None
    if old is None or max_samples <= 1:
        return dataclasses.replace(new, samples=1)
    samples = min(old.samples + 1, max_samples)
    held = old.cases
    cases: dict[str, BaselineCase] = held if type(held) is dict and old_given else dict(held)
    del old, held
    added = new.cases
    pending = added if type(added) is dict and new_given else None
    new = dataclasses.replace(new, cases={})
    parts = CaseParts()
    for cid in list(added):
        case = added[cid] if pending is None else pending.pop(cid)
        before = cases.get(cid)
        if before is None or before.content_hash != case.content_hash:
            cases[cid] = case
            continue
        history = parts.history((*before.samples, *case.samples)[-max_samples:])
        del before
        n = sum(h[1] for h in history)
        passes = sum(h[0] for h in history)
        score = math.fsum(h[2] * h[1] for h in history) / n
        if passes > 0 and score <= 0.0:  # cannot happen for real runs; keep the file loadable
            score = passes / n
        cases[cid] = dataclasses.replace(
            case, n=n, passes=passes, pass_rate=passes / n, score=score, history=history
        )
    return dataclasses.replace(new, cases=cases, samples=samples)
