"""Cases the baseline cannot vouch for are gated: new and changed cases, thin or foreign baselines.

The invariant: with a baseline, a case that fails now never ends in a pass unless the baseline
holds a comparable (same id, same content hash) result for it; the gate with a baseline is
never weaker than the gate without one.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from evalgate.config.model import GateConfig
from evalgate.gate.baseline import Baseline
from evalgate.gate.policy import evaluate, flipped_cases, to_confirm
from evalgate.gate.verdict import (
    CASE_FAILED,
    CRITICAL_UNSCORED,
    FAIL,
    FEW_SHARED,
    INCONCLUSIVE,
    INFO,
    PASS,
    Verdict,
)
from evalgate.results import CaseStats
from tests.gate.helpers import baseline_of, run, stats

CFG = GateConfig(min_pass_rate={})


def found(v: Verdict, kind: str) -> list[tuple[str, tuple[str, ...], bool]]:
    return [(r.message, r.cases, r.blocking) for r in v.reasons if r.kind == kind]


def good_set(n: int = 20, **tags: tuple[str, ...]) -> dict[str, CaseStats]:
    return run(*(stats(f"c{i:02d}", tags=tags.get(f"c{i:02d}", ())) for i in range(n)))


def test_a_reworded_critical_case_that_fails_blocks() -> None:
    base = good_set(c00=("critical",))
    cand = dict(base)
    cand["c00"] = stats("c00", [False, False, False], tags=("critical",), content_hash="reworded")
    v = evaluate(cand, baseline_of(base), CFG)
    assert v.status == FAIL
    [(msg, cases, blocking)] = found(v, CASE_FAILED)
    assert cases == ("c00",) and blocking and "c00 (changed, now 0/3)" in msg


def test_critical_cases_missing_from_the_baseline_are_held_to_passing() -> None:
    full = good_set(c00=("critical",), c01=("critical",))
    base = baseline_of({k: v for k, v in full.items() if k not in ("c00", "c01")})
    cand = dict(full)
    cand["c01"] = stats("c01", [False], tags=("critical",))
    v = evaluate(cand, base, CFG)
    assert v.status == FAIL and found(v, CASE_FAILED)[0][1] == ("c01",)
    assert "c01 (new, now 0/1)" in found(v, CASE_FAILED)[0][0]


def test_an_empty_baseline_is_inconclusive_and_still_lists_failures() -> None:
    cand = good_set()
    cand["c03"] = stats("c03", [False])
    empty = Baseline(prompt_version="v1", recorded_at="2026-01-01T00:00:00Z", cases={})
    v = evaluate(cand, empty, CFG)
    assert v.status == INCONCLUSIVE and v.exit_code == 3
    [(msg, cases, _)] = found(v, FEW_SHARED)
    assert msg.startswith("only 0 of 20 scored cases (0%) are in baseline 'v1'")
    assert "record a new baseline for this promptVersion" in msg
    assert "0 changed, 20 new" in msg and len(cases) == 20
    assert found(v, CASE_FAILED)[0][1] == ("c03",)  # the failure is still reported


def test_a_foreign_baseline_is_inconclusive() -> None:
    base = run(*(stats(f"other{i}") for i in range(20)))
    v = evaluate(good_set(), baseline_of(base), CFG)
    assert v.status == INCONCLUSIVE and found(v, FEW_SHARED)
    assert v.stats["shared_share"] == 0.0 and v.stats["min_shared"] == 0.5


def test_every_case_changed_is_inconclusive_not_a_pass() -> None:
    base = good_set()
    cand = {k: stats(k, content_hash=f"new-{k}") for k in base}
    v = evaluate(cand, baseline_of(base), CFG)
    assert v.status == INCONCLUSIVE
    assert "20 changed (c00, c01, c02, c03, c04 and 15 more), 0 new" in found(v, FEW_SHARED)[0][0]


def test_min_shared_threshold_is_inclusive_and_configurable() -> None:
    base = good_set(10)
    cand = {k: (stats(k, content_hash="x") if k < "c05" else s) for k, s in base.items()}
    assert evaluate(cand, baseline_of(base), CFG).status == PASS  # 5 of 10 = 0.5
    assert evaluate(cand, baseline_of(base), GateConfig(min_shared=0.6)).status == INCONCLUSIVE
    cand["c05"] = stats("c05", content_hash="x")
    assert evaluate(cand, baseline_of(base), CFG).status == INCONCLUSIVE
    assert evaluate(cand, baseline_of(base), GateConfig(min_shared=0.0)).status == PASS


def test_removed_cases_do_not_count_against_the_share() -> None:
    base = good_set(40)
    cand = {k: s for k, s in base.items() if k < "c05"}  # a --tag filter runs a few
    v = evaluate(cand, baseline_of(base), CFG)
    assert v.status == PASS and v.stats["shared_share"] == 1.0


def test_confirmations_clear_a_flaky_new_case_and_not_a_broken_one() -> None:
    base = good_set()
    cand = dict(base)
    cand["fresh"] = stats("fresh", [False])
    cand["broken"] = stats("broken", [False])
    assert to_confirm(cand, baseline_of(base)) == ["broken", "fresh"]
    assert flipped_cases(cand, baseline_of(base)) == []
    extra = {"fresh": stats("fresh", [True, True]), "broken": stats("broken", [False, True])}
    v = evaluate(cand, baseline_of(base), CFG, confirmations=extra)
    assert v.status == FAIL and found(v, CASE_FAILED)[0][1] == ("broken",)
    assert "broken (new, now 1/3)" in found(v, CASE_FAILED)[0][0]
    extra["broken"] = stats("broken", [True, True])
    assert evaluate(cand, baseline_of(base), CFG, confirmations=extra).status == PASS


def test_confirmations_also_apply_without_a_baseline() -> None:
    cand = run(stats("a"), stats("b", [False]))
    assert to_confirm(cand, None) == ["b"]
    assert evaluate(cand, None, CFG).status == FAIL
    assert evaluate(cand, None, CFG, confirmations={"b": stats("b", [True, True])}).status == PASS


def test_cases_without_expectations_are_named_in_a_note() -> None:
    cand = run(
        stats("a", scorer_pass={"contains": (1, 1)}),
        stats("empty"),  # no scorer ran: it passes whatever the answer
    )
    v = evaluate(cand, None, CFG)
    assert v.status == PASS
    [(msg, cases, blocking)] = found(v, INFO)[1:]
    assert cases == ("empty",) and not blocking
    assert "1 cases have no expectations and pass whatever the answer: empty" in msg


@settings(max_examples=150, deadline=None)
@given(n=st.integers(min_value=1, max_value=12), data=st.data())
def test_a_failing_case_never_passes_unless_the_baseline_vouches_for_it(
    n: int, data: st.DataObject
) -> None:
    """Whatever the baseline holds, a failing case can end in a pass only as a shared case."""
    outcomes = st.lists(st.booleans(), min_size=1, max_size=3)
    hashes = st.sampled_from(["h1", "h2"])
    ids = [f"k{i}" for i in range(n)]
    cand = run(
        *(
            stats(
                cid,
                data.draw(outcomes),
                tags=data.draw(st.sampled_from([(), ("critical",)])),
                content_hash=data.draw(hashes),
            )
            for cid in ids
        )
    )
    in_base = data.draw(st.lists(st.sampled_from([*ids, "other"]), unique=True))
    recorded = run(
        *(stats(c, data.draw(outcomes), content_hash=data.draw(hashes)) for c in in_base)
    )
    base = baseline_of(recorded)
    v = evaluate(cand, base, GateConfig(min_pass_rate={}, min_shared=0.0))
    failing = [c for c, s in cand.items() if s.pass_rate is not None and s.pass_rate < 0.5]
    unvouched = [
        c
        for c in failing
        if c not in base.cases or base.cases[c].content_hash != cand[c].content_hash
    ]
    if unvouched:
        assert v.status == FAIL
        assert set(unvouched) <= set(found(v, CASE_FAILED)[0][1])
    else:
        assert not found(v, CASE_FAILED)


def test_a_critical_case_that_only_errored_is_inconclusive() -> None:
    base = good_set(40, c00=("critical",))
    cand = dict(base)
    cand["c00"] = stats("c00", [], errors=1, tags=("critical",))  # 1 of 40 results: under 5%
    v = evaluate(cand, baseline_of(base), CFG)
    assert v.status == INCONCLUSIVE
    [(msg, cases, _)] = found(v, CRITICAL_UNSCORED)
    assert cases == ("c00",) and "c00 (1 error)" in msg
    assert [r.kind for r in v.reasons if r.blocking] == [CRITICAL_UNSCORED]
    assert evaluate(cand, None, CFG).status == INCONCLUSIVE  # with no baseline as well
    cand["c00"] = stats("c00", [], errors=1)  # not critical: the error rate decides
    assert evaluate(cand, baseline_of(base), CFG).status == PASS


def test_skipped_baseline_cases_are_named_in_a_note() -> None:
    base = good_set(10, c00=("critical",))
    cand = dict(base)
    cand["c00"] = stats("c00", [], skipped=True, tags=("critical",))
    v = evaluate(cand, baseline_of(base), CFG)
    assert v.status == PASS
    assert any(c == ("c00",) and "skipped" in m and not b for m, c, b in found(v, INFO))


def test_a_missing_content_hash_does_not_vouch_for_a_case() -> None:
    base = good_set(10)
    cand = dict(base)
    cand["c00"] = stats("c00", [False], content_hash="")
    blank = baseline_of({**base, "c00": stats("c00", content_hash="")})
    v = evaluate(cand, blank, CFG)
    assert v.status == FAIL and found(v, CASE_FAILED)[0][1] == ("c00",)
    assert {d.case_id: d.status for d in v.deltas}["c00"] == "changed"
