"""A baseline file read a piece at a time is the file read whole: the same baseline, and for
any other file (damaged, not JSON, another layout) the same refusal with the same message.

The oracle is the store with the piecewise read turned off (today's whole-file read); the
window is made a few characters wide, so that every piece boundary falls somewhere in a case.
"""

from __future__ import annotations

import functools
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalgate.errors import ConfigError
from evalgate.gate import baseline_layout, baseline_read
from evalgate.gate.baseline import Baseline, BaselineCase
from evalgate.gate.baseline_read import _decoder, _Reader, _Table
from evalgate.gate.baseline_store import BaselineStore

TEXT = st.text(
    st.characters(blacklist_categories=("Cs",)) | st.sampled_from('"\\\n\t}{ ,:→é€\U0001f600'),
    max_size=12,
)


def _case(i: int, answer: str | None, tag: str, dataset: str) -> BaselineCase:
    passes = i % 3
    history = ((passes, 2, 0.25 + passes / 4), (1, 1, 1.0)) if i % 2 else ()
    n = 3 if history else 2
    passes = passes + 1 if history else min(passes, 2)
    return BaselineCase(
        f"h{i:04x}",
        0.5 if passes else 0.0,
        passes / n,
        n,
        passes,
        tags=(tag,) if tag else (),
        dataset=dataset,
        scorer_pass={"contains": (passes, n)} if passes == n else {"x": (0, n)},
        latency_p95_ms=12.5 + i,
        mean_tokens=None if i % 4 else 3.0,
        history=history,
        answer=answer,
    )


def _saved(tmp: Path, ids: list[str], texts: list[str]) -> Path:
    cases = {
        cid: _case(i, texts[i % len(texts)] or None, texts[-1], texts[0])
        for i, cid in enumerate(ids)
    }
    base = Baseline(
        prompt_version="v",
        recorded_at="2026-01-01T00:00:00Z",
        cases=cases,
        git_sha=None if len(ids) % 2 else "abc",
        answers_dropped=tuple(sorted(ids)[:2]) if len(ids) > 2 else (),
    )
    return BaselineStore(tmp).save(base)


def _outcome(path: Path) -> Baseline | str:
    try:
        return BaselineStore(path.parent).load("v") or "none"
    except ConfigError as exc:
        return str(exc)


@pytest.fixture
def narrow(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(baseline_layout, "CHUNK", 5)
    yield


def _whole(path: Path, monkeypatch: pytest.MonkeyPatch) -> Baseline | str:
    with monkeypatch.context() as m:
        m.setattr(baseline_read, "read_laid_out", lambda *a: None)
        return _outcome(path)


def _pieces(path: Path) -> dict[str, Any] | None:
    reader = _Reader()
    return baseline_layout.read_laid_out(path, _decoder(reader), reader.entry, _Table(None))


_FIXTURES = [HealthCheck.function_scoped_fixture]


@settings(max_examples=60, deadline=None, suppress_health_check=_FIXTURES)
@given(
    ids=st.lists(TEXT.filter(bool), min_size=1, max_size=6, unique=True),
    texts=st.lists(TEXT, min_size=1, max_size=4),
    chunk=st.integers(1, 40),
)
def test_a_written_baseline_is_read_in_pieces_as_read_whole(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    ids: list[str],
    texts: list[str],
    chunk: int,
) -> None:
    path = _saved(tmp_path_factory.mktemp("b"), ids, texts)
    with monkeypatch.context() as m:
        m.setattr(baseline_layout, "CHUNK", chunk)
        assert _pieces(path) is not None  # the layout evalgate writes is read in pieces
        read = _outcome(path)
    assert isinstance(read, Baseline)
    assert read == _whole(path, monkeypatch)
    assert set(read.cases) == set(ids)


def _base_text(tmp: Path) -> str:
    ids = ["a", "b\u00e9", 'c"q', "d\\n"]
    return _saved(tmp, ids, ["bench", "→ tool {}", "", "x\n    }"]).read_text("utf-8")


@functools.cache
def _written() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        return _base_text(Path(tmp))


@settings(max_examples=150, deadline=None, suppress_health_check=_FIXTURES)
@given(
    edits=st.lists(
        st.tuples(
            st.sampled_from(("delete", "insert", "replace")),
            st.floats(0, 1),
            st.sampled_from([*' \n\t\r{}[],:"\\0e.-1N\ufeff', "    }", ",\n", "\n  }"]),
        ),
        min_size=1,
        max_size=3,
    ),
    chunk=st.integers(1, 50),
)
def test_a_damaged_baseline_is_read_and_refused_as_read_whole(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    edits: list[tuple[str, float, str]],
    chunk: int,
) -> None:
    folder = tmp_path_factory.mktemp("d")
    text = _written()
    for op, where, what in edits:
        at = int(where * len(text))
        if op == "delete":
            text = text[:at] + text[at + len(what) :]
        elif op == "insert":
            text = text[:at] + what + text[at:]
        else:
            text = text[:at] + what + text[at + len(what) :]
    path = folder / "v.json"
    path.write_text(text, encoding="utf-8", newline="")
    with monkeypatch.context() as m:
        m.setattr(baseline_layout, "CHUNK", chunk)
        read = _outcome(path)
    assert read == _whole(path, monkeypatch)


def _variant(text: str, name: str) -> str:
    top = text.index('\n  "cases"')
    first = text.index('\n    "', top)
    second = text.index(',\n    "', first) + 1
    end = text.index("\n  }", second)
    return {
        "as written": text,
        "CRLF line ends": text.replace("\n", "\r\n"),
        "a BOM": "\ufeff" + text,
        "no final newline": text.rstrip("\n"),
        "two final newlines": text + "\n",
        "compact": json.dumps(json.loads(text)),
        "keys unsorted": f"{text[:first]}{text[second:end]},{text[first : second - 1]}{text[end:]}",
        "a case twice": text[:second] + text[first + 1 : second] + text[second:],
        "a case indented by two more": text[:first] + "\n  " + text[first + 1 :],
        "a NaN score": text.replace('"score": 0.5', '"score": NaN', 1),
        "an overflowing score": text.replace('"score": 0.5', '"score": 1e999', 1),
        "an unsound case": text.replace('"score": 0.5', '"score": 1.5', 1),
        "a duplicated key": text.replace('"score": 0.5', '"score": 0.5,\n      "score": 0.5', 1),
        "a stray comma": text.replace("\n  }", ",\n  }", 1),
        "truncated": text[: len(text) // 2],
        "a case's shape among the top level": text.replace(
            '"config_hash": ""', '"config_hash": ' + json.dumps(json.loads(text)["cases"]["a"])
        ),
        "deep nesting in a top-level value": text.replace(
            '"config_hash": ""', '"config_hash": ' + "[" * 3000 + "]" * 3000
        ),
        "an invalid byte": text,
    }[name]


@pytest.mark.parametrize(
    "name",
    [
        "as written",
        "CRLF line ends",
        "a BOM",
        "no final newline",
        "two final newlines",
        "compact",
        "keys unsorted",
        "a case twice",
        "a case indented by two more",
        "a NaN score",
        "an overflowing score",
        "an unsound case",
        "a duplicated key",
        "a stray comma",
        "truncated",
        "a case's shape among the top level",
        "deep nesting in a top-level value",
        "an invalid byte",
    ],
)
def test_other_layouts_and_damage_are_read_or_refused_as_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, narrow: None, name: str
) -> None:
    text = _variant(_base_text(tmp_path), name)
    path = tmp_path / "v.json"
    data = text.encode("utf-8")
    if name == "an invalid byte":
        data = data.replace(b"\xc3\xa9", b"\xc3(", 1)
    path.write_bytes(data)
    read = _outcome(path)
    assert read == _whole(path, monkeypatch)
    if name in ("as written", "CRLF line ends"):
        assert isinstance(read, Baseline) and _pieces(path) is not None
    else:
        assert _pieces(path) is None or name == "a case's shape among the top level"


@pytest.mark.parametrize(
    "ids",
    [
        [f"c{i:02d}" for i in range(30)],  # more cases than a case has keys
        ["content_hash", "n", "pass_rate", "passes", "score"],  # ids a case's keys
        ["answer", "content_hash", "history", "n", "pass_rate", "passes", "score", "tags"],
    ],
)
def test_the_cases_object_is_made_as_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ids: list[str]
) -> None:
    path = _saved(tmp_path, ids, ["d", "an answer", ""])
    read = _outcome(path)
    assert _pieces(path) is not None and isinstance(read, Baseline)
    assert read == _whole(path, monkeypatch) and list(read.cases) == ids


def test_the_ids_of_dropped_answers_are_the_cases_own(tmp_path: Path) -> None:
    ids = [f"c{i:02d}" for i in range(9)]
    path = _saved(tmp_path, ids, ["d", "an answer"])
    read = _outcome(path)
    assert isinstance(read, Baseline) and read.answers_dropped == ("c00", "c01")
    keys = {k: k for k in read.cases}
    assert all(keys[c] is c for c in read.answers_dropped)  # one text per id
