"""The work after the calls is done once: results are held as written, not read back; the
summary and the per-case figures are built once; the report rows only when something shows
them; each written line is searched for secrets once. Outputs stay what they were."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import evalgate
import evalgate.report.details as details_mod
import evalgate.results as results_mod
import evalgate.results_writer as writer_mod
from evalgate import masking
from evalgate.gate.verdict import Verdict
from evalgate.report.html import render_html
from evalgate.report.junit import render_junit
from evalgate.report.markdown import render_markdown
from evalgate.report.view import RunView
from evalgate.results import CaseResult, read_results
from evalgate.results_compact import CompactResults, read_compact
from evalgate.results_writer import ResultsWriter
from evalgate.summary import RunMeta, build_summary
from tests.engine.helpers import write_project
from tests.perf.test_memory import _result

MANY = """\
dataset: app
cases:
""" + "".join(
    f"""  - id: c{i:03d}
    input: {{message: "{"refund" if i % 3 else "hi"} {i}"}}
    expect:
      - contains: "30 days"
"""
    for i in range(40)
)
REPORTS = "reports: {junit: junit.xml, markdown: report.md, html: report.html}\n"


@pytest.fixture()
def secret() -> Iterator[str]:
    masking.clear()
    masking.register_named({"tok-9f8e7d6c5b": "API_TOKEN"})
    yield "tok-9f8e7d6c5b"
    masking.clear()


def _varied(n: int, secret: str | None = None) -> list[CaseResult]:
    from dataclasses import replace

    rng = random.Random(3)
    out = [_result(i, rng, repeat=i % 2) for i in range(n)]
    if secret:  # a secret in some requests, answers' errors and score reasons
        out = [
            replace(r, request={"auth": f"Bearer {secret}", "q": i}, error=f"echo {secret}")
            if i % 4 == 0
            else r
            for i, r in enumerate(out)
        ]
    return out


@pytest.mark.parametrize("with_secret", [False, True])
def test_results_held_as_written_equal_those_read_back(
    tmp_path: Path, secret: str, with_secret: bool
) -> None:
    if not with_secret:
        masking.clear()
    kept = CompactResults()
    written = _varied(300, secret if with_secret else None)
    with ResultsWriter(tmp_path, kept.add) as w:
        for r in [*written, *written[:20]]:  # rewritten lines: the last one counts
            w.write(r)
    assert kept.results() == read_compact(tmp_path)
    text = (tmp_path / "results.jsonl").read_text()
    assert secret not in text
    assert ("${API_TOKEN}" in text) is with_secret


def test_each_line_is_what_masking_every_string_wrote(tmp_path: Path, secret: str) -> None:
    written = _varied(200, secret)
    with ResultsWriter(tmp_path) as w:
        for r in written:
            w.write(r)
    before = [
        json.dumps(masking.scrub_obj(r.to_dict()), ensure_ascii=False, separators=(",", ":"))
        for r in written
    ]
    assert (tmp_path / "results.jsonl").read_text().splitlines() == before


def test_writes_are_batched_and_flushed_within_the_interval(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [100.0]
    monkeypatch.setattr(writer_mod.time, "monotonic", lambda: clock[0])
    path = tmp_path / "results.jsonl"
    rs = _varied(writer_mod.FLUSH_LINES + 5)
    with ResultsWriter(tmp_path) as w:
        w.write(rs[0])
        assert path.read_text() == ""  # buffered
        clock[0] += writer_mod.FLUSH_S  # no other result comes: the timer's call flushes
        w.flush_due()
        assert len(path.read_text().splitlines()) == 1
        for r in rs[1 : writer_mod.FLUSH_LINES + 1]:
            w.write(r)  # the clock stands still: only the line count flushes
        assert len(path.read_text().splitlines()) == writer_mod.FLUSH_LINES + 1
        w.write(rs[-1])
    assert len(path.read_text().splitlines()) == writer_mod.FLUSH_LINES + 2  # close flushes


def _count_parsed(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    seen: list[Path] = []
    real = results_mod._parse_line

    def counting(path: Path, i: int, line: str) -> Any:
        seen.append(path)
        return real(path, i, line)

    monkeypatch.setattr(results_mod, "_parse_line", counting)
    # a shown line a report takes as it is stored is decoded, not parsed into a result
    real_line = details_mod.Details._line

    def counting_line(self: details_mod.Details, f: Any, offset: int) -> Any:
        got = real_line(self, f, offset)
        if isinstance(got, dict):
            seen.append(self.path)
        return got

    monkeypatch.setattr(details_mod.Details, "_line", counting_line)
    return seen


def test_a_quiet_run_reads_no_result_back_and_builds_no_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = write_project(tmp_path, goldens=MANY)
    parsed = _count_parsed(monkeypatch)
    aggregated: list[int] = []
    real = results_mod.aggregate

    def counting(rs: Any) -> Any:
        aggregated.append(1)
        return real(rs)

    import evalgate.engine.conclude
    import evalgate.engine.core
    import evalgate.gate.apply
    import evalgate.report.rows
    import evalgate.summary

    for mod in (
        evalgate.engine.core,
        evalgate.engine.conclude,
        evalgate.gate.apply,
        evalgate.report.rows,
        evalgate.summary,
    ):
        monkeypatch.setattr(mod, "aggregate", counting)
    res = evalgate.run(cfg, out=tmp_path / "r")
    assert res.summary["totals"]["results"] == 40
    assert parsed == []  # results.jsonl was written, never read back
    assert len(aggregated) == 1  # once, for the gate and the summary; no rows were built
    assert res.view is not None and "cases" not in res.view.__dict__
    assert len(res.view.cases) == 40  # built when asked for, from the compact results
    assert parsed == [] and len(aggregated) == 1
    assert len(list(res.view.detailed(res.view.cases))) == 40
    assert len(parsed) == 40  # the details of the rows shown, read once


def test_summary_and_reports_are_those_of_the_complete_results(tmp_path: Path) -> None:
    cfg = write_project(tmp_path, goldens=MANY, extra=REPORTS)
    evalgate.run(cfg, out=tmp_path / "base", gate=False, record_baseline=True)
    res = evalgate.run(cfg, out=tmp_path / "r")
    run = tmp_path / "r"
    s = json.loads((run / "summary.json").read_text())
    meta = RunMeta(
        run_id=s["run_id"],
        started_at=s["started_at"],
        finished_at=s["finished_at"],
        duration_s=s["duration_s"],
        config_hash=s["config_hash"],
        target_url=s["target"]["url"],
        preset=s["target"]["preset"],
        requested_prompt_version=s["requested_prompt_version"],
        git=s["git"],
        shard=s["shard"],
        reports=s["reports"],
    )
    full = read_results(run)
    verdict = Verdict.from_dict(s["verdict"])
    assert json.loads(json.dumps(build_summary(full, meta, verdict))) == s
    assert res.view is not None
    assert res.view.verdict == verdict  # the engine's verdict is the one summary.json reads
    base = {
        cid: {"score": c.score, "pass_rate": c.pass_rate} for cid, c in res.baseline.cases.items()
    }  # type: ignore[union-attr]
    old = RunView.build(full, {**s, "reports": {}}, baseline=base, run_dir=run)
    assert (run / "junit.xml").read_text() == render_junit(old)
    assert (run / "report.md").read_text() == render_markdown(old)
    assert (run / "report.html").read_text() == render_html(old)


@pytest.mark.parametrize("bad", [None, float("nan"), float("inf")])
def test_the_html_data_is_embedded_as_before_without_copying_it(bad: float | None) -> None:
    from evalgate.report.html import _finite, embed_json

    data = {"a": [1.5, (2, "</x>"), {"b": bad, "c": "\u2028&"}], "d": ("e", None, True)}
    before = json.dumps(_finite(data), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for old, new in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028")):
        before = before.replace(old, new)
    assert embed_json(data) == before
