"""``compare --out`` copies the judged run: the copy holds the stored compact results
themselves, not a second set, unless writing them again changed one (a secret masked)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

import pytest

from evalgate import masking
from evalgate.engine.stored import copy_run, load_indexed
from evalgate.results_compact import read_compact
from tests.perf.test_stored_memory import _run_dir


@pytest.fixture
def no_secrets() -> Iterator[None]:
    masking.clear()
    yield
    masking.clear()


def test_the_copy_holds_the_stored_results_themselves(tmp_path: Path, no_secrets: None) -> None:
    src = _run_dir(tmp_path / "src", range(120))
    run, offsets = load_indexed(src)
    with ExitStack() as hold:
        out = copy_run(run, tmp_path / "out", hold, offsets)
    assert len(out.results) == 120 and out.results == run.results
    assert all(a is b for a, b in zip(out.results, run.results, strict=True))
    assert read_compact(tmp_path / "out") == run.results  # what was written reads the same


def test_a_result_masked_on_the_way_is_held_as_written(tmp_path: Path, no_secrets: None) -> None:
    src = _run_dir(tmp_path / "src", range(40))
    run, offsets = load_indexed(src)
    errored = next(i for i, r in enumerate(run.results) if r.error)
    secret = "s3cr3t-value-123"
    # the stored run holds a value that is a secret now (registered after it was written)
    run = replace(
        run,
        results=[
            replace(r, error=f"{r.error} {secret}") if i == errored else r
            for i, r in enumerate(run.results)
        ],
    )
    lines = (src / "results.jsonl").read_text().splitlines(keepends=True)
    at = sum(len(x.encode()) for x in lines[:errored])
    assert offsets is not None and offsets[errored] == at
    text = lines[errored].replace('"error": "', f'"error": "{secret} ', 1)
    assert text != lines[errored]
    (src / "results.jsonl").write_text("".join([*lines[:errored], text, *lines[errored + 1 :]]))
    offsets = [
        o if i <= errored else o + len(text) - len(lines[errored]) for i, o in enumerate(offsets)
    ]
    masking.register([secret])
    with ExitStack() as hold:
        out = copy_run(run, tmp_path / "out", hold, offsets)
    copied = out.results[errored]
    assert secret not in str(copied.error) and copied is not run.results[errored]
    others = [i for i in range(len(run.results)) if i != errored]
    assert all(out.results[i] is run.results[i] for i in others)
    assert secret not in (tmp_path / "out" / "results.jsonl").read_text()
