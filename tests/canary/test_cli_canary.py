"""`evalgate canary` end to end against the reference middleware on loopback."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from evalgate.cli.cmd_canary import KEEP_RUNS, prune_runs
from evalgate.cli.main import main
from evalgate.demo.server import DemoServer
from evalgate.results import read_results
from tests.canary.capture import Capture
from tests.canary.demo_project import (
    API_KEY,
    LATENCY_ABS_MS,
    SLOW_MS,
    canary_case_ids,
    json_lines,
)

Cap = pytest.CaptureFixture[str]


def record_baseline(capsys: Cap) -> None:
    assert main(["run", "-q", "--record-baseline", "--out", "base"]) == 0
    capsys.readouterr()


def canary(capsys: Cap, *args: str) -> tuple[int, dict[str, Any], str]:
    """Run the command; stdout must be exactly one JSON document."""
    code = main(["canary", *args])
    cap = capsys.readouterr()
    assert API_KEY not in cap.out + cap.err
    return code, json.loads(cap.out), cap.err


def blocking(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["kind"]: f for f in doc["findings"] if f["blocking"]}


def test_ok_is_silent_with_a_json_summary_and_a_kept_run(project: Path, capsys: Cap) -> None:
    record_baseline(capsys)
    code, doc, err = canary(capsys)
    assert code == 0 and err == ""  # quiet: nothing on stderr when all is well
    assert doc["status"] == "ok" and doc["exit_code"] == 0 and blocking(doc) == {}
    assert doc["prompt_version"] == "v1" and doc["baseline_version"] == "v1"
    expected = canary_case_ids(project)
    assert doc["stats"]["cases"] == len(expected) and doc["stats"]["errors"] == 0
    assert doc["stats"]["mean_score"] == pytest.approx(1.0)
    # latency and tokens were compared with the figures the baseline recorded
    assert doc["reference"]["source"] == "baseline" and doc["reference"]["mean_tokens"] > 0
    run_dir = Path(doc["run_dir"])
    assert run_dir.parent == project / ".evalgate" / "runs" / "canary"
    assert run_dir.name == doc["run_id"]
    assert {r.case_id for r in read_results(run_dir)} == expected
    [entry] = json_lines(project / ".evalgate" / "canary-history.jsonl")
    assert entry["status"] == "ok" and entry["run_id"] == doc["run_id"]


def test_verbose_shows_the_report_on_stderr(project: Path, capsys: Cap) -> None:
    record_baseline(capsys)
    code, doc, err = canary(capsys, "--verbose")
    assert code == 0 and doc["status"] == "ok"
    assert "canary ok:" in err and "NOT GATED" not in err


def test_slow_endpoint_is_latency_drift_naming_the_tolerance(
    project: Path, server: DemoServer, capsys: Cap
) -> None:
    record_baseline(capsys)
    server.configure(latency_ms=SLOW_MS)
    code, doc, err = canary(capsys)
    assert code == 1 and doc["status"] == "drift"
    lat = blocking(doc)["latency_p95"]
    assert lat["tolerance"] == f"+{LATENCY_ABS_MS} ms"
    assert lat["current"] >= SLOW_MS and lat["current"] > lat["baseline"] + LATENCY_ABS_MS
    assert f"tolerance +{LATENCY_ABS_MS} ms" in lat["message"]
    assert set(lat["cases"]) == canary_case_ids(project)  # every case got slower
    # the drift report goes to stderr: headline, then the finding
    assert err.startswith("canary drift:") and "latency_p95" in err
    assert "score" not in blocking(doc)  # answers are the same, only slower


def test_regressed_prompt_version_is_score_and_failing_case_drift(
    project: Path, server: DemoServer, capsys: Cap
) -> None:
    record_baseline(capsys)
    server.configure(prompt_version="v2")
    code, doc, err = canary(capsys)
    assert code == 1 and doc["status"] == "drift"
    found = blocking(doc)
    assert {"score", "case_failed"} <= set(found)
    assert found["score"]["current"] < found["score"]["baseline"] == pytest.approx(1.0)
    assert "refund-window" in found["case_failed"]["cases"]  # a critical case v2 breaks
    # compared with the v1 baseline (no v2 one exists), and the report says the version moved
    assert doc["prompt_version"] == "v2" and doc["baseline_version"] == "v1"
    notes = [f for f in doc["findings"] if f["kind"] == "prompt_version"]
    assert len(notes) == 1 and not notes[0]["blocking"]
    assert "'v2'" in notes[0]["message"] and "'v1'" in notes[0]["message"]
    assert "prompt version changed" in err


def test_stopped_endpoint_is_down_exit_3(project: Path, server: DemoServer, capsys: Cap) -> None:
    record_baseline(capsys)
    server.stop()
    code, doc, err = canary(capsys)
    assert code == 3 and doc["status"] == "down" and doc["exit_code"] == 3
    [down] = [f for f in doc["findings"] if f["blocking"]]
    assert down["kind"] == "down" and set(down["cases"]) == canary_case_ids(project)
    assert "connection_error" in down["message"] and "endpoint down" in err


def test_history_lists_the_runs_oldest_first(
    project: Path, server: DemoServer, capsys: Cap
) -> None:
    record_baseline(capsys)
    assert canary(capsys)[0] == 0
    server.configure(prompt_version="v2")
    assert canary(capsys)[0] == 1
    server.stop()
    assert canary(capsys)[0] == 3
    assert main(["canary", "--history"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("time (UTC)")
    assert [line.split()[1] for line in out[1:]] == ["ok", "drift", "down"]
    assert main(["canary", "--history", "--limit", "1"]) == 0
    assert [line.split()[1] for line in capsys.readouterr().out.splitlines()[1:]] == ["down"]


def test_webhook_alerts_on_drift_and_outage_only(
    project: Path, server: DemoServer, capsys: Cap
) -> None:
    hook = Capture()
    try:
        record_baseline(capsys)
        assert canary(capsys, "--webhook", hook.url)[0] == 0
        assert hook.bodies == []  # ok: nothing sent
        server.configure(prompt_version="v2")
        code, doc, err = canary(capsys, "--webhook", hook.url)
        assert code == 1 and len(hook.bodies) == 1
        body = hook.bodies[0]
        assert hook.content_types[0].startswith("application/json")
        assert body["text"].startswith(":warning: canary drift:")
        assert body["evalgate"]["status"] == "drift"
        assert body["evalgate"]["run_id"] == doc["run_id"]
        assert {f["kind"] for f in body["evalgate"]["findings"]} >= {"score", "case_failed"}
        server.stop()
        assert canary(capsys, "--webhook", hook.url)[0] == 3
        assert [b["evalgate"]["status"] for b in hook.bodies] == ["drift", "down"]
        assert "hooktoken123" not in err  # the URL's token never printed
        assert API_KEY not in json.dumps(hook.bodies)
    finally:
        hook.close()


def test_log_json_lines_hash_users_and_keep_secrets_out(project: Path, capsys: Cap) -> None:
    from evalgate.telemetry.fields import hash_user_id
    from tests.canary.demo_project import SALT, USER, USER_CASE

    record_baseline(capsys)
    code, doc, _ = canary(capsys, "--log-json", "canary.jsonl")
    assert code == 0
    text = (project / "canary.jsonl").read_text("utf-8")
    assert API_KEY not in text and USER not in text
    lines = json_lines(project / "canary.jsonl")
    calls = [x for x in lines if x["event"] == "llm.request"]
    [run] = [x for x in lines if x["event"] == "eval.run"]
    assert lines[-1] is run  # the run line comes last
    assert {c["case_id"] for c in calls} == canary_case_ids(project)
    assert {c["run_id"] for c in calls} == {doc["run_id"]} == {run["run_id"]}
    user_line = next(c for c in calls if c["case_id"] == USER_CASE)
    assert user_line["user_id"] == hash_user_id(USER, SALT)
    assert re.fullmatch(r"u_[0-9a-f]{16}", user_line["user_id"])
    assert all(c["user_id"] is None for c in calls if c["case_id"] != USER_CASE)
    assert {c["tenant_id"] for c in calls} == {"acme"}
    assert {c["prompt_version"] for c in calls} == {"v1"}
    assert all(c["outcome"] == "success" and c["total_tokens"] > 0 for c in calls)
    assert run["command"] == "canary" and run["status"] == "ok" and run["reasons"] == 0
    assert run["baseline_version"] == "v1" and run["cases"] == len(canary_case_ids(project))


def test_log_json_run_line_carries_the_drift(
    project: Path, server: DemoServer, capsys: Cap
) -> None:
    record_baseline(capsys)
    server.configure(prompt_version="v2")
    code, doc, _ = canary(capsys, "--log-json", "canary.jsonl")
    assert code == 1
    run = json_lines(project / "canary.jsonl")[-1]
    assert run["event"] == "eval.run" and run["status"] == "drift"
    assert run["reasons"] == len(blocking(doc)) and run["prompt_version"] == "v2"


def test_no_canary_cases_is_a_usage_error_before_running(project: Path, capsys: Cap) -> None:
    assert main(["canary", "--tag", "no-such-tag"]) == 2
    err = capsys.readouterr().err
    assert "no case has tag 'no-such-tag'" in err
    assert not (project / ".evalgate" / "runs" / "canary").exists()


def test_tag_and_case_select_other_cases(project: Path, capsys: Cap) -> None:
    record_baseline(capsys)
    code, doc, _ = canary(capsys, "--case", "refund-processing-time")
    assert code == 0 and doc["stats"]["cases"] == 1
    code, doc, _ = canary(capsys, "--tag", "shipping")
    assert doc["stats"]["cases"] == len(canary_case_ids(project, "shipping"))


def test_out_keeps_the_run_where_asked(project: Path, capsys: Cap) -> None:
    record_baseline(capsys)
    code, doc, _ = canary(capsys, "--out", "mine")
    assert code == 0 and Path(doc["run_dir"]) == project / "mine"
    assert (project / "mine" / "summary.json").exists()
    assert not (project / ".evalgate" / "runs" / "canary").exists()


def test_prune_keeps_the_newest_runs_and_leaves_other_folders(tmp_path: Path) -> None:
    names = [f"20240501-{h:02d}0000-abc{h:03d}" for h in range(KEEP_RUNS + 3)]
    for n in names:
        (tmp_path / n).mkdir()
        (tmp_path / n / "run.json").write_text("{}")
    (tmp_path / "notes").mkdir()  # not a run: never touched
    removed = prune_runs(tmp_path, KEEP_RUNS)
    assert [p.name for p in removed] == names[:3]
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([*names[3:], "notes"])
    assert prune_runs(tmp_path / "missing", 1) == []


def test_prune_orders_runs_of_the_same_second_by_when_they_were_written(tmp_path: Path) -> None:
    import os

    # the random suffix sorts the newer run first: its name must not decide
    older, newer = "20240501-100000-ffffff", "20240501-100000-000000"
    for i, n in enumerate((older, newer)):
        (tmp_path / n).mkdir()
        (tmp_path / n / "run.json").write_text("{}")
        os.utime(tmp_path / n / "run.json", ns=(10**18 + i * 10**9, 10**18 + i * 10**9))
    assert [p.name for p in prune_runs(tmp_path, 1)] == [older]
    assert [p.name for p in tmp_path.iterdir()] == [newer]


def test_prune_never_removes_the_run_just_made(tmp_path: Path) -> None:
    names = ["20240501-100000-aaaaaa", "20240501-110000-bbbbbb"]
    for n in names:
        (tmp_path / n).mkdir()
        (tmp_path / n / "run.json").write_text("{}")
    current = tmp_path / names[0]  # a clock set back: the run just made sorts first
    assert prune_runs(tmp_path, 1, current) == []
    assert current.is_dir()
