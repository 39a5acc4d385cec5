"""``evalgate baseline ...`` in-process: exit codes, stdout for what was asked, stderr for notes."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evalgate.cli.main import app, main
from evalgate.gate.baseline_store import BaselineStore
from evalgate.results_writer import ResultsWriter
from tests.gate.helpers import baseline_of, run, stats
from tests.gate.test_baseline import SUMMARY_DOC as SUMMARY
from tests.gate.test_baseline import result


def write_run(folder: Path, summary: Mapping[str, object] = SUMMARY) -> Path:
    with ResultsWriter(folder) as w:
        for r in [
            result("a", 0, True, tags=("critical",), content_hash="ha"),
            result("a", 1, True, tags=("critical",), content_hash="ha"),
            result("b", 0, False, content_hash="hb"),
            result("c", 0, None),
        ]:
            w.write(r)
    # as a gated run with gate.max_error_rate above 25% writes it: one result in four errored
    doc = {"format_version": 1, **RUN_FIGURES, **summary}
    (folder / "summary.json").write_text(json.dumps(doc))
    return folder


RUN_FIGURES: dict[str, object] = {
    "totals": {"cases": 3, "results": 4, "errors": 1, "error_rate": 0.25},
    "cases": {"a": {}, "b": {}, "c": {}},
    "verdict": {"status": "pass", "reasons": []},
}


def invoke(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.stdout, result.stderr


def test_record_list_show_promote(tmp_path: Path) -> None:
    folder = write_run(tmp_path / "run")
    bdir = str(tmp_path / "b")
    code, out, err = invoke(["baseline", "record", str(folder), "--baseline-dir", bdir])
    assert code == 0 and out == ""
    assert "recorded baseline v7 (3 cases)" not in err  # the errored case is left out
    assert "recorded baseline v7 (2 cases)" in err and "1 errored results" in err

    code, out, _ = invoke(["baseline", "list", "--baseline-dir", bdir])
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["VERSION", "CASES", "MEAN", "SCORE", "RECORDED", "AT", "PRODUCTION"]
    assert lines[1].split()[:3] == ["v7", "2", "0.500"] and not lines[1].endswith("*")

    code, _, err = invoke(["baseline", "promote", "v7", "--baseline-dir", bdir])
    assert code == 0 and "promoted v7" in err
    code, out, _ = invoke(["baseline", "list", "--json", "--baseline-dir", bdir])
    doc = json.loads(out)
    assert [(d["prompt_version"], d["cases"], d["production"]) for d in doc] == [("v7", 2, True)]

    code, out, _ = invoke(["baseline", "show", "v7", "--baseline-dir", bdir])
    assert code == 0 and "prompt version  v7  (production)" in out
    assert any(line.split()[:4] == ["a", "1.000", "100%", "2"] for line in out.splitlines())
    code, out, _ = invoke(["baseline", "show", "v7", "--json", "--baseline-dir", bdir])
    assert json.loads(out)["cases"]["b"]["pass_rate"] == 0.0


def test_record_with_version_and_promote(tmp_path: Path) -> None:
    folder = write_run(tmp_path / "run", dict(SUMMARY, prompt_version=None, prompt_versions={}))
    bdir = tmp_path / "b"
    args = ["baseline", "record", str(folder), "--baseline-dir", str(bdir)]
    assert main(args) == 2  # no version known
    assert main([*args, "--prompt-version", "../x", "--promote"]) == 0
    store = BaselineStore(bdir)
    assert store.production() == "../x"
    assert (bdir / "%2E.%2Fx.json").exists()


def test_exit_codes_for_mistakes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bdir = str(tmp_path / "b")
    assert main(["baseline", "show", "v1", "--baseline-dir", bdir]) == 2
    assert "no baseline for prompt version 'v1'" in capsys.readouterr().err
    assert main(["baseline", "promote", "v1", "--baseline-dir", bdir]) == 2
    assert main(["baseline", "record", str(tmp_path / "nope"), "--baseline-dir", bdir]) == 2
    assert "not a run folder" in capsys.readouterr().err
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "v1.json").write_text("{")
    assert main(["baseline", "list", "--baseline-dir", bdir]) == 2
    err = capsys.readouterr().err
    assert "v1.json: damaged baseline file" in err and "Traceback" not in err


def test_baseline_dir_comes_from_the_config(tmp_path: Path) -> None:
    (tmp_path / "evalgate.yaml").write_text("version: 1\ngate: {baseline_dir: store}\n")
    BaselineStore(tmp_path / "store").save(baseline_of(run(stats("a")), "v3"))
    code, out, _ = invoke(["baseline", "list", "-c", str(tmp_path / "evalgate.yaml"), "--json"])
    assert code == 0 and [d["prompt_version"] for d in json.loads(out)] == ["v3"]


def test_empty_store_lists_nothing(tmp_path: Path) -> None:
    code, out, err = invoke(["baseline", "list", "--baseline-dir", str(tmp_path)])
    assert code == 0 and out == "" and "no baselines" in err
    code, out, _ = invoke(["baseline", "list", "--json", "--baseline-dir", str(tmp_path)])
    assert json.loads(out) == []


@pytest.mark.parametrize(
    ("summary", "code", "message"),
    [
        ({"interrupted": True}, 2, "was interrupted"),
        ({"verdict": {"status": "inconclusive", "reasons": []}}, 3, "inconclusive"),
        ({"aborted": "the endpoint looked down"}, 3, "inconclusive"),
        ({"verdict": None}, 3, "inconclusive"),  # not gated, 25% errors > max_error_rate
        ({"cases": {"a": {}, "b": {}}}, 2, "do not describe the same cases"),
        ({"totals": 3}, 2, "damaged summary"),
    ],
)
def test_record_refuses_runs_that_cannot_be_a_reference(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    summary: dict[str, object],
    code: int,
    message: str,
) -> None:
    folder = write_run(tmp_path / "run", {**SUMMARY, **summary})
    bdir = tmp_path / "b"
    assert main(["baseline", "record", str(folder), "--baseline-dir", str(bdir)]) == code
    assert message in capsys.readouterr().err
    assert not bdir.exists()


def test_record_needs_a_finished_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = write_run(tmp_path / "run")
    (folder / "summary.json").unlink()
    assert main(["baseline", "record", str(folder), "--baseline-dir", str(tmp_path / "b")]) == 2
    assert "the run did not finish" in capsys.readouterr().err


def test_a_not_gated_run_within_the_error_budget_is_recorded(tmp_path: Path) -> None:
    (tmp_path / "evalgate.yaml").write_text("gate:\n  max_error_rate: 0.3\n")
    folder = write_run(tmp_path / "run", {**SUMMARY, "verdict": None})
    args = ["baseline", "record", str(folder), "--baseline-dir", str(tmp_path / "b")]
    assert main([*args, "--config", str(tmp_path / "evalgate.yaml")]) == 0
