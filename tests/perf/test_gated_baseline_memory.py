"""A baseline loaded to gate a run holds its cases in columns, sharing the run's texts.

Every gated ``run``, ``rescore`` and ``merge`` loads its baseline beside the run's own
per-case figures, results and report rows. Each case used to be held as a record (with its
id, its content hash and its latency figure as objects of their own), and each report row
made a baseline-figures object of its own. The bounds are ratios to the records the file
gives when read whole, and to a row's share of the view.
"""

from __future__ import annotations

from pathlib import Path

from evalgate.gate.baseline_store import BaselineStore
from evalgate.gate.casetable import CaseTable
from evalgate.report.rowbase import BaseCase, shared_base
from evalgate.results import CaseStats
from tests.perf.test_baseline_read_memory import _save, _whole
from tests.perf.test_compare_memory import _held

N = 2_000


def _known(n: int) -> dict[str, CaseStats]:
    out: dict[str, CaseStats] = {}
    for i in range(n):
        cid = f"q{i:06d}"
        out[cid] = CaseStats(cid, "bench", f"{i:016x}", (), "g.yaml", i, 1, 0, False, 1.0, 1.0, 1)
    return out


def test_a_loaded_baseline_is_held_in_columns_sharing_the_runs_texts(tmp_path: Path) -> None:
    store = BaselineStore(tmp_path)
    _save(store, 20)
    store.load("v")  # imports and first-use caches
    path = _save(store, N, spread=True)
    records, by_records, _ = _held(lambda: _whole(path))
    del records
    known = _known(N)
    base, by_table, _ = _held(lambda: store.load("v", known))
    assert isinstance(base.cases, CaseTable) and base == _whole(path)
    cid = "q000123"
    assert next(k for k in base.cases if k == cid) is next(k for k in known if k == cid)
    assert base.cases[cid].content_hash is known[cid].content_hash
    # before: a record per case, with its own id and hash texts (about 330 B a case); now
    # columns of the run's texts (about 120)
    assert by_table < by_records * 0.5, f"{by_table / N:.0f} B/case, {by_records / N:.0f}"


def test_report_rows_share_equal_baseline_figures() -> None:
    shared: dict[tuple[object, ...], BaseCase] = {}

    def base(score: float | None, rate: float | None, answer: str | None) -> BaseCase:
        return shared_base(shared, score, rate, answer)

    made, held, _ = _held(lambda: [base(1.0, 1.0, None) for _ in range(N)])
    assert len({id(b) for b in made}) == 1
    # before: a figures object per row (about 100 B); now a reference to one
    assert held < N * 20, f"{held / N:.0f} B/row"
    # what a report shows stays each row's own: other values, signs, types and answers
    assert base(0.0, 1.0, None) is not base(-0.0, 1.0, None)
    assert str(base(-0.0, 1.0, None).score) == "-0.0"
    one = base(1, 1.0, None)  # type: ignore[arg-type]  # a hand-edited summary's integer
    assert str(one.score) == "1" and one is not base(1.0, 1.0, None)
    assert base(1.0, 1.0, "a").answer == "a"
    assert base(None, None, None).score is None


def test_baseline_record_grows_a_dict_of_records_not_a_copy_of_a_table(tmp_path: Path) -> None:
    store = BaselineStore(tmp_path)
    _save(store, 30)
    loaded = store.load("v", columns=False)
    assert loaded is not None and type(loaded.cases) is dict  # grown in place, not copied
    assert loaded == store.load("v")  # the same cases as the table holds
