"""``compare`` reads both runs with little held beside what it keeps.

The reference used to be made while the run it is made from was held whole (its compact
results, and a key and an offset per result that nothing reads); the candidate, when not
copied (no ``--out``), also held a key and an offset per result while it was read. The bounds
are ratios to what each load keeps: the reference, and the candidate's results.
"""

from __future__ import annotations

from pathlib import Path

from evalgate.engine.stored import held_texts, load_indexed, load_reference
from tests.perf.test_compare_memory import _held
from tests.perf.test_stored_memory import _run_dir

N = 1200


def test_the_reference_is_made_as_its_run_is_let_go(tmp_path: Path) -> None:
    load_reference(_run_dir(tmp_path / "warm", range(30)))  # imports and first-use caches
    base = _run_dir(tmp_path / "base", range(N))
    reference, held, peak = _held(lambda: load_reference(base))
    (run, _), results, _ = _held(lambda: load_indexed(base, index=False))
    assert len(reference.cases) > N * 0.8 and len(run.results) == N  # errors are left out
    # the run's compact results and an index of them held whole beside the reference made
    # from them would be more than both; now the peak is the results and about 0.6 of the
    # reference (its cases' ids and hashes are the results' own)
    assert peak < results + held * 0.7, (
        f"peak {peak / N:.0f} B/case, reference {held / N:.0f}, results {results / N:.0f}"
    )


def test_the_candidate_not_copied_is_read_without_an_index(tmp_path: Path) -> None:
    base = _run_dir(tmp_path / "base", range(N))
    cand = _run_dir(tmp_path / "cand", range(N))
    reference = load_reference(base)
    known = held_texts(reference)
    load_indexed(cand, known=known, index=False)  # first-use caches
    (run, offsets), held, peak = _held(lambda: load_indexed(cand, known=known, index=False))
    (indexed, where), _, indexed_peak = _held(lambda: load_indexed(cand, known=known))
    assert offsets == [] and where is not None and len(where) == N
    assert run.results == indexed.results  # the same results, without their offsets
    # before: a key tuple and an offset per result in a mapping while the file was read
    # (the indexed read's peak); now about 0.82 of it
    assert peak < indexed_peak * 0.9, f"{peak / N:.0f} vs {indexed_peak / N:.0f} B/case"
    assert peak < held * 1.5, f"peak {peak / N:.0f} B/case, held {held / N:.0f} B/case"


def test_the_reference_and_the_deltas_hold_columns_not_records(tmp_path: Path) -> None:
    from evalgate.engine.stored import load_run
    from evalgate.gate.baseline import baseline_from_handed, baseline_from_run
    from evalgate.gate.casetable import CaseTable
    from evalgate.gate.policy import _deltas
    from evalgate.results import aggregate
    from evalgate.summary import build_run_summary

    base = _run_dir(tmp_path / "base", range(N))
    run = load_run(base)
    summary = build_run_summary(run.results, run.meta, None)
    scored = [r for r in run.results if not r.confirmation]
    records, as_records, _ = _held(lambda: baseline_from_run(scored, summary, prompt_version="v"))
    table, as_table, _ = _held(
        lambda: baseline_from_handed([list(scored)], summary, prompt_version="v", table=CaseTable())
    )
    assert list(table.cases) == sorted(records.cases) and len(table.cases) > N * 0.8
    # every case's record, its latency figure and the mapping of them against their columns:
    # about 0.45 (both share the results' ids, hashes and answers)
    assert as_table < as_records * 0.6, f"{as_table / N:.0f} vs {as_records / N:.0f} B/case"
    stats = aggregate(scored)
    deltas, columns, _ = _held(lambda: _deltas(stats, records))
    assert len(deltas) == len(stats) > N * 0.8
    # as records they held about 100 bytes a case; as columns about 45
    assert columns < 60 * len(stats), f"{columns / len(stats):.0f} B/case"
