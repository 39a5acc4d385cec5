"""``read_indexed`` reads a results file as ``read_compact`` does, with each line's offset."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from evalgate.errors import ConfigError
from evalgate.results import iter_latest, read_at
from evalgate.results_compact import read_compact, read_indexed
from tests.perf.test_memory import _result


def _lines(n: int = 12) -> list[bytes]:
    rng = random.Random(11)
    out = [json.dumps(_result(i, rng).to_dict()).encode() + b"\n" for i in range(n)]
    again = json.loads(out[3])  # a repeat written twice (a resumed run): the last one counts
    again["score"] = 0.25
    return [*out, json.dumps(again).encode() + b"\n"]


def _outcome(fn: object, path: Path) -> object:
    try:
        return fn(path)  # type: ignore[operator]
    except ConfigError as exc:
        return f"ConfigError: {exc}"


def _check(path: Path) -> list[int] | None:
    compact = _outcome(read_compact, path)
    indexed = _outcome(read_indexed, path)
    # without the index: the same results or error; no offsets (None still when read as text)
    unindexed = _outcome(lambda p: read_indexed(p, index=False), path)
    if isinstance(compact, str):
        assert indexed == compact and unindexed == compact
        return None
    assert isinstance(indexed, tuple) and isinstance(unindexed, tuple)
    results, offsets = indexed
    assert results == compact
    assert unindexed == (compact, None if offsets is None else [])
    if offsets is not None:  # the lines at the offsets are the latest complete results
        where = [((r.case_id, r.repeat), 0, off) for r, off in zip(results, offsets, strict=True)]
        assert list(read_at([path], where)) == list(iter_latest([path]))
    return offsets


EDITS = {
    "as written": lambda ls: ls,
    "blank lines": lambda ls: [ls[0], b"\n", b"   \n", *ls[1:]],
    "crlf endings": lambda ls: [x[:-1] + b"\r\n" for x in ls],
    "torn last line": lambda ls: [*ls, ls[2][:40]],
    "damaged line": lambda ls: [*ls[:4], b"{nope}\n", *ls[4:]],
    "bad utf-8": lambda ls: [ls[0].replace(b'"bench"', b'"b\xe2\x82"'), *ls[1:]],
    "bad utf-8 at a line end": lambda ls: [*ls[:2], b"\xe2\x82\n", *ls[2:]],
}


@pytest.mark.parametrize("name", sorted(EDITS))
def test_indexed_read_is_the_compact_read(tmp_path: Path, name: str) -> None:
    path = tmp_path / "results.jsonl"
    path.write_bytes(b"".join(EDITS[name](_lines())))
    offsets = _check(path)
    if name in ("as written", "blank lines", "crlf endings", "torn last line"):
        assert offsets is not None


@pytest.mark.parametrize(
    "cr",
    [
        lambda ls: [ls[0][:30] + b"\r" + ls[0][30:], *ls[1:]],  # a line cut in two by it
        lambda ls: [ls[0].replace(b', "dataset"', b',\r"dataset"'), *ls[1:]],  # whitespace
        lambda ls: [*ls[:-1], ls[-1][:-1] + b"\r"],  # the last line's end
        lambda ls: [ls[0][:-1] + b"\r" + ls[1], *ls[2:]],  # two results, one line
    ],
)
def test_a_carriage_return_inside_a_line_is_read_as_text(tmp_path: Path, cr: object) -> None:
    path = tmp_path / "results.jsonl"
    path.write_bytes(b"".join(cr(_lines())))  # type: ignore[operator]
    assert _check(path) is None  # read as read_compact reads it, where \r ends a line


def test_known_strings_are_shared_and_change_nothing_else(tmp_path: Path) -> None:
    (tmp_path / "results.jsonl").write_bytes(b"".join(_lines()))
    plain, plain_offsets = read_indexed(tmp_path)
    # strings equal to what is read, made apart from it (as a reference's are)
    known = {"".join(s): "".join(s) for r in plain for s in (r.case_id, r.content_hash)}
    shared, offsets = read_indexed(tmp_path, known=known)
    assert shared == plain and offsets == plain_offsets
    assert all(r.case_id is known[r.case_id] for r in shared)
    assert all(r.content_hash is known[r.content_hash] for r in shared)
    assert not any(r.case_id is known[r.case_id] for r in plain)
