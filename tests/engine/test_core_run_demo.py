"""`evalgate run` end to end against the reference middleware on loopback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalgate.cli.main import main
from evalgate.demo.server import DemoServer
from evalgate.results import read_results


def summary(run: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((run / "summary.json").read_text())


def test_v1_passes_with_complete_ordered_results(project: Path) -> None:
    assert main(["run", "--out", "r1", "-q", "--no-gate"]) == 0
    results = read_results(project / "r1")
    s = summary(project / "r1")
    assert s["totals"]["cases"] == len({r.case_id for r in results}) >= 25
    assert s["totals"]["errors"] == 0 and s["totals"]["failed"] == 0
    assert s["prompt_version"] == "v1" and s["verdict"] is None
    assert [r.case_id for r in results] == sorted(r.case_id for r in results)
    refund = next(r for r in results if r.case_id == "refund-window")
    assert refund.response is not None and "kb-refunds" in refund.response.citations
    assert refund.file == "goldens/support.yaml" and refund.line > 0
    assert all(s2.passed for s2 in refund.scores)
    multi = next(r for r in results if r.turns)
    assert len(multi.turns) >= 2 and multi.status == "passed"


def test_v2_is_blocked_against_the_v1_baseline(
    project: Path, server: DemoServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--out", "base", "-q", "--record-baseline"]) == 0
    assert (project / ".evalgate" / "baselines" / "v1.json").exists()
    server.configure(prompt_version="v2")
    capsys.readouterr()
    assert main(["run", "--out", "cand", "--json"]) == 1
    out = capsys.readouterr().out
    s = json.loads(out)  # --json: stdout holds only the summary
    v = s["verdict"]
    assert v["status"] == "fail" and v["baseline_version"] == "v1"
    kinds = {r["kind"] for r in v["reasons"] if r["blocking"]}
    assert "critical" in kinds
    critical = next(r for r in v["reasons"] if r["kind"] == "critical")
    assert "refund-window" in critical["cases"]
    # one recorded run of one repeat: the drop is reported, with what it would take to test it
    notes = " ".join(r["message"] for r in v["reasons"] if not r["blocking"])
    assert "mean score of 30 shared cases fell" in notes and "baseline is a single run" in notes


def test_v1_against_its_own_baseline_passes(project: Path) -> None:
    assert main(["run", "--out", "a", "-q", "--record-baseline"]) == 0
    for i in range(2):
        assert main(["run", "--out", f"b{i}", "-q"]) == 0
        assert summary(project / f"b{i}")["verdict"]["status"] == "pass"


def test_noisy_unchanged_endpoint_is_not_blocked(project: Path, server: DemoServer) -> None:
    # a serial run against a seeded server is reproducible: the same wobbles every time
    server.configure(noise=0.1)
    assert main(["run", "--out", "a", "-q", "-j", "1", "--no-gate", "--record-baseline"]) == 0
    codes = [main(["run", "--out", f"n{i}", "-q", "-j", "1"]) for i in range(3)]
    assert codes == [0, 0, 0], [summary(project / f"n{i}")["verdict"]["reasons"] for i in range(3)]


def test_selection_by_tag_and_case(project: Path) -> None:
    assert main(["run", "--out", "t", "-q", "--no-gate", "--tag", "security"]) == 0
    results = read_results(project / "t")
    assert results and all("security" in r.tags for r in results)
    assert main(["run", "--out", "c", "-q", "--no-gate", "--case", "refund-window"]) == 0
    assert {r.case_id for r in read_results(project / "c")} == {"refund-window"}
    assert main(["run", "--out", "x", "-q", "--case", "no-such-case"]) == 2


def test_shards_merge_to_the_same_results_as_one_run(project: Path) -> None:
    assert main(["run", "--out", "full", "-q", "--no-gate"]) == 0
    for i in (1, 2, 3):
        assert main(["run", "--out", f"s{i}", "-q", "--no-gate", "--shard", f"{i}/3"]) == 0
    assert main(["merge", "s1", "s2", "s3", "--out", "merged", "-q", "--no-gate"]) == 0

    def key(run: str) -> dict[tuple[str, int], tuple[str, float | None]]:
        return {(r.case_id, r.repeat): (r.status, r.score) for r in read_results(project / run)}

    assert key("merged") == key("full")
    sizes = [len(read_results(project / f"s{i}")) for i in (1, 2, 3)]
    assert all(n > 0 for n in sizes) and sum(sizes) == len(key("full"))
    assert main(["merge", "s1", "s1", "--out", "bad", "-q"]) == 2


def test_prompt_version_mismatch_is_inconclusive(project: Path, server: DemoServer) -> None:
    server.configure(prompt_version="v2")
    assert main(["run", "--out", "m", "-q", "--prompt-version", "v1"]) == 3
    reasons = summary(project / "m")["verdict"]["reasons"]
    assert any(r["kind"] == "prompt_version" for r in reasons)


def test_endpoint_errors_make_the_run_inconclusive(project: Path, server: DemoServer) -> None:
    server.configure(error_rate=1.0)
    text = (project / "evalgate.yaml").read_text().replace("retries: 3", "retries: 0")
    (project / "evalgate.yaml").write_text(text)
    assert main(["run", "--out", "e", "-q"]) == 3
    s = summary(project / "e")
    assert s["totals"]["errors"] == s["totals"]["results"] and s["outcomes"]["http_error"] > 0


def test_explicit_missing_baseline_is_inconclusive(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--out", "b", "-q", "--baseline", "v9"]) == 3
    assert "no baseline for prompt version 'v9'" in capsys.readouterr().err


def test_rescore_and_compare_work_offline(project: Path, server: DemoServer) -> None:
    assert main(["run", "--out", "a", "-q", "--no-gate"]) == 0
    server.configure(prompt_version="v2")
    assert main(["run", "--out", "b", "-q", "--no-gate"]) == 0
    server.stop()  # nothing below may call the endpoint
    assert main(["compare", "a", "b", "-q"]) == 1
    assert main(["compare", "a", "a-copy", "-q"]) == 2
    assert main(["rescore", "b", "--out", "b2", "-q", "--no-gate"]) == 0
    before = {(r.case_id, r.repeat): r.score for r in read_results(project / "b")}
    after = {(r.case_id, r.repeat): r.score for r in read_results(project / "b2")}
    assert before == after


def test_pending_cases_are_skipped_and_said(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    g = project / "goldens" / "support.yaml"
    g.write_text(
        g.read_text() + "  - id: imported-1\n    input: {message: hi}\n    review: pending\n"
    )
    assert main(["run", "--out", "p", "--no-gate"]) == 0
    assert "skipped 1 case(s) pending review: imported-1" in capsys.readouterr().err
    assert summary(project / "p")["pending_cases"] == ["imported-1"]
    assert "imported-1" not in {r.case_id for r in read_results(project / "p")}


def test_written_files_match_their_published_schemas(project: Path) -> None:
    from jsonschema import Draft202012Validator

    from evalgate.config.schema import load_schema

    assert main(["run", "--out", "r", "-q", "--record-baseline"]) == 0
    result_schema = load_schema("result")
    line_validator = Draft202012Validator(result_schema)
    summary_validator = Draft202012Validator(
        {**result_schema["$defs"]["summary"], "$defs": result_schema["$defs"]}
    )
    for line in (project / "r" / "results.jsonl").read_text().splitlines():
        line_validator.validate(json.loads(line))
    summary_validator.validate(summary(project / "r"))
    baseline = json.loads((project / ".evalgate" / "baselines" / "v1.json").read_text())
    Draft202012Validator(load_schema("baseline")).validate(baseline)
    assert baseline["cases"]["refund-window"]["latency_p95_ms"] > 0


def test_compare_leaves_both_runs_untouched_unless_out(project: Path, server: DemoServer) -> None:
    assert main(["run", "--out", "a", "-q", "--no-gate"]) == 0
    server.configure(prompt_version="v2")
    assert main(["run", "--out", "b", "-q", "--no-gate"]) == 0
    before = (project / "b" / "summary.json").read_bytes()
    assert main(["compare", "a", "b", "-q"]) == 1
    assert (project / "b" / "summary.json").read_bytes() == before
    assert main(["compare", "a", "b", "-q", "--out", "judged"]) == 1
    judged = summary(project / "judged")
    assert judged["verdict"]["status"] == "fail"
    assert judged["verdict"]["baseline_version"].startswith("run ")


def test_a_scorer_that_raises_is_a_scorer_error_not_an_outage(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "scorers" / "boom.py").write_text(
        "from evalgate import scorer\n\n\n@scorer('boom')\ndef boom(response, params, case):\n"
        "    return 1 / 0\n"
    )
    g = project / "goldens" / "support.yaml"
    g.write_text(
        g.read_text().replace(
            "      - refusal: false\n", "      - refusal: false\n      - boom: true\n", 1
        )
    )
    assert main(["run", "--out", "s", "-q"]) == 2
    v = summary(project / "s")["verdict"]
    reason = next(r for r in v["reasons"] if r["kind"] == "scorer_error")
    assert "scorers/boom.py:6) raised ZeroDivisionError" in reason["message"]
    assert not any(r["kind"] == "error_rate" for r in v["reasons"])


def test_a_mapping_that_never_finds_tool_calls_is_inconclusive(project: Path) -> None:
    cfg = project / "evalgate.yaml"
    cfg.write_text(cfg.read_text().replace("tool_calls: tool_calls", "tool_calls: tools"))
    assert main(["run", "--out", "m", "-q", "--no-gate"]) in (0, 1)
    assert main(["run", "--out", "m2", "-q"]) == 3
    v = summary(project / "m2")["verdict"]
    reason = next(r for r in v["reasons"] if r["kind"] == "mapping")
    assert "target.response.tool_calls (expression 'tools') found nothing" in reason["message"]
    assert "injection-system-prompt" in reason["cases"]


def test_selections_that_match_nothing_are_usage_errors(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--out", "x", "-q", "--tag", "no-such-tag"]) == 2
    assert "no case has tag 'no-such-tag'; tags in use:" in capsys.readouterr().err
    assert main(["run", "--out", "y", "-q", "--case", "refund-windw"]) == 2
    assert "did you mean 'refund-window'" in capsys.readouterr().err
    assert not (project / "x").exists()


def test_a_failed_run_is_not_recorded_as_baseline(
    project: Path, server: DemoServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--out", "a", "-q", "--record-baseline"]) == 0
    server.configure(prompt_version="v2")
    assert main(["run", "--out", "b", "-q", "--record-baseline", "--baseline", "v1"]) == 1
    assert "not recording a baseline: this run failed the gate" in capsys.readouterr().err
    assert not (project / ".evalgate" / "baselines" / "v2.json").exists()
