"""The per-case rule: a shared case that passed in the baseline and is broken now (pure).

Every shared case is tested, critical or not: a case that passed in the baseline and fails
now (by the majority of its repeats, confirmation re-runs included) is checked with Fisher's
exact test on its pass counts, the baseline's whole history against the candidate's repeats
(``gate/samples.py``). Its p-value is small only when the baseline shows the case stable and
the candidate shows it failing repeatedly, so a flaky case cannot block on one bad draw while
a stable case that breaks for good does. Holm's correction across the cases keeps the chance
that any of them blocks an unchanged run within this rule's share of ``alpha``: half of it for
the cases tagged with ``critical_tags`` (a small family, so each gets a larger share), half for
the others (all of it when one family is empty).

A critical case is never left ungated. While the baseline holds too few repeats of it for
Fisher's test to ever reach its level (one recorded run, typically), its own history cannot
measure its noise, so the endpoint's is used: the failure rate, in the baseline, of the repeats
of the other shared cases that passed there (a one-sided 95% upper bound; measured before the
change, so a broad regression cannot pass for noise), and the case's candidate pass count is
tested against a binomial at that rate (valid when the critical case is no flakier than the
typical case). If those repeats show no failure at all (a deterministic endpoint, or one repeat
per case), a critical case that passed in the baseline and fails now blocks outright, and the
message says to grow the history.

The history also says which cases are flaky (their verdict flipped between recorded runs);
they are reported, and with ``gate.quarantine`` set, those flipping at least that often are
quarantined: listed, and left out of this rule (the drop test still counts them, weighed by
their measured noise).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from evalgate.config.model import GateConfig
from evalgate.gate import samples
from evalgate.gate.baseline import Baseline, BaselineCase
from evalgate.gate.drop import DROP_SHARE
from evalgate.gate.rules import MAX_NAMED, names, passes, shared
from evalgate.gate.verdict import BROKEN, CRITICAL, INFO, Reason
from evalgate.results import CaseStats

MIN_QUARANTINE_SAMPLES = 3  # recorded runs before a flip rate means anything


def case_alpha(cfg: GateConfig) -> float:
    return cfg.alpha * (1.0 - DROP_SHARE)


def flaky(case: BaselineCase) -> bool:
    return 0 < case.passes < case.n


def quarantined(case: BaselineCase, cfg: GateConfig) -> bool:
    if cfg.quarantine is None:
        return False
    hist = case.samples
    return (
        len(hist) >= MIN_QUARANTINE_SAMPLES
        and samples.flip_rate([(p, n) for p, n, _ in hist]) >= cfg.quarantine
    )


def _describe(cid: str, b: BaselineCase) -> str:
    rate = samples.flip_rate([(p, n) for p, n, _ in b.samples])
    return f"{cid} (flips {rate:.0%} of {len(b.samples)} runs, passed {b.passes}/{b.n})"


def case_rule(
    confirmed: Mapping[str, CaseStats], baseline: Baseline, cfg: GateConfig
) -> tuple[list[Reason], dict[str, object]]:
    """Blocking reasons for broken cases, notes on flaky and quarantined ones, and figures.

    ``confirmed``: the run merged with its confirmation re-runs.
    """
    crit_tags = set(cfg.critical_tags)
    ids = [cid for cid in sorted(confirmed) if shared(s := confirmed[cid], baseline) and s.n > 0]
    q = [cid for cid in ids if quarantined(baseline.cases[cid], cfg)]
    out_of_rule = set(q)
    tested = [cid for cid in ids if cid not in out_of_rule] if q else ids
    families = {
        CRITICAL: [c for c in tested if crit_tags.intersection(confirmed[c].tags)],
        BROKEN: [c for c in tested if not crit_tags.intersection(confirmed[c].tags)],
    }
    share = case_alpha(cfg) / max(1, sum(1 for f in families.values() if f))
    reasons: list[Reason] = []
    weak: list[str] = []
    noise = _endpoint_noise(baseline, ids)
    for kind, family in families.items():
        hits: list[str] = []
        cand = [
            c
            for c in family
            if passes(baseline.cases[c].pass_rate) and not passes(confirmed[c].pass_rate)
        ]
        short = [
            c
            for c in cand
            if kind == CRITICAL and _untestable(c, confirmed, baseline, share, len(family))
        ]
        untestable = set(short)
        failures, repeats = _less(noise, baseline, untestable)
        strict = short if failures == 0 else []  # the endpoint shows no noise at all
        if strict:
            cand = [c for c in cand if c not in untestable]
        pv = [
            _pooled_p(confirmed[c], failures, repeats)
            if c in untestable
            else _p(confirmed[c], baseline.cases[c])
            for c in cand
        ]
        for cid, rejected in zip(cand, samples.holm(pv, share, len(family)), strict=True):
            (hits if rejected else weak).append(cid)
        if hits:
            reasons.append(_blocking(kind, hits, confirmed, baseline, share, len(family)))
        if strict:
            reasons.append(_strict(strict, confirmed, baseline))
    if weak:
        shown = [_counts(c, confirmed, baseline) for c in weak]
        reasons.append(
            Reason(
                INFO,
                f"{len(weak)} cases passed in the baseline and fail now, within what their"
                f" recorded noise explains: {names(shown)}. A stable case that stays broken"
                " is blocked once the baseline's history and the confirmation re-runs"
                " (gate.confirm) show it",
                tuple(weak),
                blocking=False,
            )
        )
    reasons += _flaky_notes(ids, q, out_of_rule, baseline)
    info: dict[str, object] = {"case_alpha": case_alpha(cfg), "quarantined": len(q)}
    return reasons, info


def _untestable(
    cid: str, confirmed: Mapping[str, CaseStats], baseline: Baseline, share: float, family: int
) -> bool:
    """Too little history for the test to ever block this case, even had it never failed."""
    m_b, m_c = baseline.cases[cid].n, confirmed[cid].n
    return 1.0 / math.comb(m_b + m_c, m_c) > share / max(1, family)


def _strict(hits: list[str], confirmed: Mapping[str, CaseStats], baseline: Baseline) -> Reason:
    detail = ", ".join(_counts(c, confirmed, baseline) for c in hits[:MAX_NAMED])
    more = f" and {len(hits) - MAX_NAMED} more" if len(hits) > MAX_NAMED else ""
    return Reason(
        CRITICAL,
        f"critical cases passed in the baseline and fail now: {detail}{more}. The baseline's"
        " history is too short to measure their noise, so any such failure blocks; recording"
        " more runs of main (--record-baseline) lets the gate tell a flaky case from a broken"
        " one",
        tuple(hits),
    )


def _endpoint_noise(baseline: Baseline, ids: list[str]) -> tuple[int, int]:
    """Failed and scored repeats, in the baseline, of the shared cases that passed there.

    Measured before the change, so a regression in this run cannot pass for noise.
    """
    failures = repeats = 0
    for cid in ids:
        b = baseline.cases[cid]
        if passes(b.pass_rate):
            failures += b.n - b.passes
            repeats += b.n
    return failures, repeats


def _less(noise: tuple[int, int], baseline: Baseline, leave_out: set[str]) -> tuple[int, int]:
    """:func:`_endpoint_noise` without the cases ``leave_out`` (each of them among its ids)."""
    failures, repeats = noise
    for cid in leave_out:
        b = baseline.cases[cid]
        if passes(b.pass_rate):
            failures -= b.n - b.passes
            repeats -= b.n
    return failures, repeats


def _pooled_p(s: CaseStats, failures: int, repeats: int) -> float:
    """P(this few passes) for a case as noisy as the endpoint's passing cases (upper bound)."""
    q = samples.upper_rate(failures, repeats)
    return samples.binom_cdf(s.passes, s.n, 1.0 - q)


def _p(s: CaseStats, b: BaselineCase) -> float:
    return samples.hypergeom_lower(s.passes, s.n, b.passes, b.n)


def _counts(cid: str, confirmed: Mapping[str, CaseStats], baseline: Baseline) -> str:
    b, s = baseline.cases[cid], confirmed[cid]
    return f"{cid} (baseline {b.passes}/{b.n} over {len(b.samples)} runs, now {s.passes}/{s.n})"


def _blocking(
    kind: str,
    hits: list[str],
    confirmed: Mapping[str, CaseStats],
    baseline: Baseline,
    share: float,
    family: int,
) -> Reason:
    detail = ", ".join(_counts(c, confirmed, baseline) for c in hits[:MAX_NAMED])
    more = f" and {len(hits) - MAX_NAMED} more" if len(hits) > MAX_NAMED else ""
    what = "critical cases" if kind == CRITICAL else "cases"
    return Reason(
        kind,
        f"{what} passed in the baseline and fail now, beyond their recorded noise: {detail}"
        f"{more} (Fisher's exact test on the baseline's history, or with a single recorded run"
        f" the endpoint's measured noise; Holm over {family} cases at {share:.3g})",
        tuple(hits),
    )


def _flaky_notes(
    ids: list[str], q: list[str], out_of_rule: set[str], baseline: Baseline
) -> list[Reason]:
    out = []
    shaky = [c for c in ids if flaky(baseline.cases[c]) and c not in out_of_rule]
    order = {c: samples.flip_rate([(p, n) for p, n, _ in baseline.cases[c].samples]) for c in shaky}
    shaky.sort(key=lambda c: (-order[c], baseline.cases[c].pass_rate, c))
    if shaky:
        out.append(
            Reason(
                INFO,
                f"{len(shaky)} cases were flaky in the baseline (most flips first):"
                f" {names([_describe(c, baseline.cases[c]) for c in shaky])}; they gate only"
                " when they fail beyond their noise. gate.quarantine takes the worst out of"
                " the per-case rule",
                tuple(shaky),
                blocking=False,
            )
        )
    if q:
        out.append(
            Reason(
                INFO,
                f"{len(q)} flaky cases are quarantined (gate.quarantine), reported but not"
                f" gated case by case: {names([_describe(c, baseline.cases[c]) for c in q])}",
                tuple(q),
                blocking=False,
            )
        )
    return out
