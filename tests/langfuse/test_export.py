"""`evalgate export langfuse RUN` and export_run(), verified on the server's side."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from evalgate.cli.main import main
from evalgate.config.model import LangfuseConfig
from evalgate.errors import InconclusiveError
from evalgate.integrations.langfuse.exporter import export_run, run_name
from evalgate.run_summary import RunSummary
from tests.langfuse import _redact_bridge
from tests.langfuse.runs import make_run
from tests.langfuse_server import SECRET_KEY, LangfuseServer


def _export(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    rc = main(["export", "langfuse", *args])
    err = capsys.readouterr().err
    assert SECRET_KEY not in err
    return rc, err


def test_export_pushes_items_results_scores_and_links(
    lf_server: LangfuseServer, lf_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = make_run(lf_env)
    rc, err = _export(capsys, str(run))
    assert rc == 0, err
    s = lf_server.store
    assert set(s.datasets) == {"support-copilot", "security"}
    assert set(s.items) == {"refund-window", "close-ticket", "injection"}
    item = s.items["refund-window"]
    assert item["datasetName"] == "support-copilot"
    message = item["input"]["message"]
    assert "bob@example.com" not in message and "EMAIL" in message.upper()
    assert item["expectedOutput"] == [{"refusal": False}, {"contains": "30 days"}]
    # one experiment item per result (the error case included), all in the named run
    exp = s.experiment_items()
    assert len(exp) == 4
    assert {e["attributes"]["langfuse.experiment.name"] for e in exp} == {"v2@abc1234"}
    by_item = sorted(e["attributes"]["langfuse.experiment.item.id"] for e in exp)
    assert by_item == ["close-ticket", "injection", "refund-window", "refund-window"]
    ds_ids = {e["attributes"]["langfuse.experiment.dataset.id"] for e in exp}
    assert ds_ids == {d["id"] for d in s.datasets.values()}
    # every scorer score plus case_score and case_passed, on the item's own trace
    names = sorted(p["name"] for p in s.posted_scores)
    assert names == sorted(
        ["refusal", "case_score", "case_passed"]
        + ["refusal", "contains", "case_score", "case_passed"] * 2
    )
    traces = {e["traceId"] for e in exp}
    assert {p["traceId"] for p in s.posted_scores} <= traces
    comments = [p.get("comment") or "" for p in s.posted_scores]
    assert not any("sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12Mn34" in c for c in comments)
    # the middleware's own trace, linked through the deprecated run-items endpoint
    assert [(r["datasetItemId"], r["traceId"], r["datasetRunName"]) for r in s.run_items] == [
        ("refund-window", "f" * 32, "v2@abc1234")
    ]
    assert "items 3/3, results 4/4, scores 11/11, trace links 1/1 accepted" in err


def test_reexport_upserts_items(
    lf_server: LangfuseServer, lf_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = make_run(lf_env)
    assert _export(capsys, str(run))[0] == 0
    assert _export(capsys, str(run))[0] == 0
    assert len(lf_server.store.items) == 3
    assert len(lf_server.store.datasets) == 2


def test_rejected_scores_warn_and_fail_only_with_strict(
    lf_server: LangfuseServer, lf_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = make_run(lf_env)
    lf_server.reject_scores = {"contains"}
    rc, err = _export(capsys, str(run))
    assert rc == 0
    assert "scores 9/11" in err and "warning: 2 item(s) did not reach Langfuse" in err
    assert "rejected by test server" in err
    rc, err = _export(capsys, str(run), "--strict")
    assert rc == 3
    assert "--strict: a partial push fails" in err


def test_lost_spans_are_counted(
    lf_server: LangfuseServer, lf_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (lf_env / "evalgate.yaml").write_text(
        "target: {url: http://127.0.0.1:1/x}\nlangfuse: {timeout_s: 1}\n"
    )
    run = make_run(lf_env)
    lf_server.fail_status["/api/public/otel/v1/traces"] = 503
    rc, err = _export(capsys, str(run), "--strict")
    assert rc == 3
    assert "results 0/4" in err
    assert lf_server.store.experiment_items() == []


def test_bad_keys_stop_the_export(
    lf_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANGFUSE_SECRET_KEY", "sk-lf-nope-nope-nope")
    rc, err = _export(capsys, str(make_run(lf_env)))
    assert rc == 2
    assert "rejected the API keys (401 on POST /api/public/v2/datasets (security))" in err


def test_export_run_api_counts_and_stops_sdk_threads(
    lf_server: LangfuseServer, lf_env: Path
) -> None:
    before = {t.ident for t in threading.enumerate()}
    cfg = LangfuseConfig(base_url=lf_server.url, timeout_s=3)
    report = export_run(make_run(lf_env), cfg, _redact_bridge.Redactor, strict=True)
    assert (report.items_upserted, report.results_accepted, report.scores_accepted) == (3, 4, 11)
    assert report.lost == 0 and report.run_name == "v2@abc1234"
    assert len(lf_server.store.posted_scores) == report.scores_accepted
    new = [t for t in threading.enumerate() if t.ident not in before]
    for t in new:
        if "process_request" not in t.name:  # the test server's own handlers
            t.join(timeout=2)
            assert not t.is_alive(), f"{t.name} still running after the export"
    # a second export in the same process reaches the server too (no stale SDK singleton)
    lf_server.fail_status["/api/public/scores"] = 500
    with pytest.raises(InconclusiveError, match="scores 0/11"):
        export_run(make_run(lf_env, "run-2"), cfg, _redact_bridge.Redactor, strict=True)


def test_run_name() -> None:
    named = RunSummary(run_id="r9", prompt_version="v2", git={"sha": "abc1234def"})
    assert run_name(named) == "v2@abc1234"
    assert run_name(RunSummary(run_id="r9", prompt_version="v1", git=None)) == "v1@r9"
    assert run_name(RunSummary(run_id="r9")) == "unversioned@r9"
