"""From a flagged production trace to a golden case that gates runs, through review."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from evalgate.cli.main import main
from evalgate.demo.server import start_server

DEMO = Path(__file__).resolve().parents[2] / "evalgate" / "demo"


def test_imported_cases_are_flagged_until_reviewed_then_run(
    lf_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(
        DEMO / "scorers", lf_env / "scorers", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(DEMO / "goldens" / "support.yaml", lf_env / "goldens" / "support.yaml")
    config = (DEMO / "evalgate.yaml").read_text()
    (lf_env / "evalgate.yaml").write_text(config + "langfuse: {timeout_s: 3}\n")
    with start_server(port=0) as server:
        monkeypatch.setenv("COPILOT_URL", server.url)
        out = "goldens/imported.yaml"
        assert main(["import", "langfuse", "--out", out, "--score", "user_feedback<=0"]) == 0
        capsys.readouterr()

        # imported cases are valid goldens, but pending: --strict flags each of them
        assert main(["validate"]) == 0
        assert main(["validate", "--strict"]) == 2
        flagged = capsys.readouterr().out.splitlines()
        assert len(flagged) == 2 and all("is pending review" in line for line in flagged)
        assert all(line.startswith(f"{out}:") for line in flagged)

        # run leaves pending cases out, and says so
        assert main(["run", "--out", "r1", "--no-gate"]) in (0, 1)
        err = capsys.readouterr().err
        assert "skipped 2 case(s) pending review" in err
        ids = {json.loads(x)["case_id"] for x in (lf_env / "r1" / "results.jsonl").open()}
        assert not any(i.startswith("lf-") for i in ids)

        # a reviewer approves them: now they validate strictly and run
        text = (lf_env / out).read_text()
        (lf_env / out).write_text(re.sub(r"review: pending", "review: approved", text))
        assert main(["validate", "--strict"]) == 0
        assert main(["run", "--out", "r2", "-q", "--no-gate"]) in (0, 1)
        ids = {json.loads(x)["case_id"] for x in (lf_env / "r2" / "results.jsonl").open()}
        assert len([i for i in ids if i.startswith("lf-")]) == 2
