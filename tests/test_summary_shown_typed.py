"""``read_shown_typed``: the document ``read_shown`` reads, with its verdict typed once."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from evalgate.gate.verdict import Verdict
from evalgate.lazydoc import plain
from evalgate.summary import write_summary
from evalgate.summary_outline import read_shown, read_shown_typed
from tests.test_summary_outline import DAMAGE, _doc, _doc_outcome


def _typed_outcome(path: Path) -> Any:
    got = _doc_outcome(read_shown_typed, path)
    return got if isinstance(got, str) else (plain(got[0]), got[1])


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_the_typed_read_is_the_shown_read_and_refuses_alike(tmp_path: Path, name: str) -> None:
    doc = copy.deepcopy(_doc())
    DAMAGE[name](doc)
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    shown, typed = _doc_outcome(read_shown, path), _typed_outcome(path)
    if isinstance(shown, str) or isinstance(typed, str):
        assert typed == shown
        return
    document, verdict = typed
    assert document == shown
    if verdict is not None:  # else the view types the document's verdict, as before
        assert verdict == Verdict.from_dict(shown["verdict"])
    if name == "as written":
        assert verdict is not None and len(verdict.deltas) == len(doc["verdict"]["deltas"])


def test_equal_strings_of_the_deltas_are_held_once(tmp_path: Path) -> None:
    write_summary(tmp_path, _doc(40))
    document, verdict = read_shown_typed(tmp_path)
    assert verdict is not None and len(verdict.deltas) == 40
    keys = {id(k) for k in document["cases"]}
    assert all(id(d.case_id) in keys for d in verdict.deltas)
    assert len({id(d.status) for d in verdict.deltas}) == 1


def test_deltas_in_another_order_are_typed_all_the_same(tmp_path: Path) -> None:
    doc = _doc(12)
    doc["verdict"]["deltas"].reverse()
    write_summary(tmp_path, doc)
    document, verdict = read_shown_typed(tmp_path)
    assert verdict == Verdict.from_dict(read_shown(tmp_path)["verdict"])
    assert plain(document) == read_shown(tmp_path)


def test_an_ungated_summary_has_no_verdict(tmp_path: Path) -> None:
    write_summary(tmp_path, _doc(5, gated=False))
    document, verdict = read_shown_typed(tmp_path)
    assert verdict is None and document == read_shown(tmp_path)
