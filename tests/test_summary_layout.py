"""summary.json is written a line per entry by the C encoder: the same document, readable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalgate import masking
from evalgate.gate.verdict import CaseDelta, Reason, Verdict
from evalgate.model import Response
from evalgate.results import CaseResult
from evalgate.summary import RunMeta, build_run_summary, read_run_summary, write_summary


def _results(n: int) -> list[CaseResult]:
    out = []
    for i in range(n):
        passed = i % 3 != 0
        response = Response(output="ok", prompt_version="v1", input_tokens=3, cost_usd=0.5)
        out.append(
            CaseResult(f"c{i:03d}-ünï", "d", 0, "passed" if passed else "failed", "success",
                       passed, 1.0 if passed else 0.0, response=response, tags=("t", "ü"),
                       file="g.yaml", line=i + 1)
        )  # fmt: skip
    return out


def _verdict(n: int) -> Verdict:
    deltas = tuple(
        CaseDelta(f"c{i:03d}-ünï", "shared", 1.0, 0.0, 1.0, 0.0, base_answer="was\nfine")
        for i in range(0, n, 3)
    )
    reasons = (Reason("regression", "dropped", tuple(d.case_id for d in deltas)),)
    return Verdict("fail", reasons, "v1", deltas=deltas, stats={"n": n, "nan": float("nan")})


def test_the_same_document_a_line_per_case_and_delta(tmp_path: Path) -> None:
    typed = build_run_summary(_results(30), RunMeta("r", "t"), _verdict(30))
    write_summary(tmp_path, typed)
    text = (tmp_path / "summary.json").read_text(encoding="utf-8")
    back = json.loads(text)
    want = typed.to_dict()
    assert json.dumps(back, sort_keys=True) == json.dumps(want, sort_keys=True)
    again = read_run_summary(tmp_path).to_dict()  # NaN != NaN: compared as text
    assert json.dumps(again, sort_keys=True) == json.dumps(want, sort_keys=True)
    lines = text.splitlines()
    for cid in typed.cases:  # each case's figures and each delta are one line of their own
        assert sum(1 for ln in lines if ln.startswith(f'    "{cid}": {{')) == 1
    assert sum(1 for ln in lines if ln.startswith('      {"case_id": ')) == 10
    assert "ünï" in text  # not \u-escaped
    assert lines[0] == "{" and lines[-1] == "}" and lines[1].startswith('  "format_version": ')


def test_written_without_the_pure_python_encoder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*a: object, **k: object) -> None:
        raise AssertionError("the pure-Python JSON encoder was used")

    monkeypatch.setattr(json.encoder, "_make_iterencode", refuse)
    typed = build_run_summary(_results(9), RunMeta("r", "t"), _verdict(9))
    write_summary(tmp_path, typed)
    assert json.loads((tmp_path / "summary.json").read_text())["totals"]["cases"] == 9


def test_secrets_are_masked_in_the_entries(tmp_path: Path) -> None:
    masking.register(["sekrit-value-123"])
    try:
        meta = RunMeta("r", "t", target_url="http://h/sekrit-value-123")
        results = _results(3)
        results[0] = CaseResult("sekrit-value-123", "d", 0, "passed", "success", True, 1.0)
        write_summary(tmp_path, build_run_summary(results, meta, None))
    finally:
        masking.clear()
    assert "sekrit-value-123" not in (tmp_path / "summary.json").read_text()
