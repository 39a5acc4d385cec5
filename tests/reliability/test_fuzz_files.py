"""Bad input files through the CLI: never an internal error, never a traceback.

Config and golden files go through ``validate``; baseline files through ``baseline show`` and
``baseline list``; results.jsonl and summary.json through ``report``, ``compare`` and
``rescore``. Each starts from a valid file and is truncated, cut, given junk, or hand-edited
(any value replaced by anything, keys deleted). Hypothesis is derandomized: the same examples
every run.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from tests.reliability.fuzzing import FUZZ, cli, damaged_text, dump_json, hand_edits
from tests.support.faultserver import FaultServer

CONFIG: dict[str, Any] = {
    "version": 1,
    "target": {
        "url": "http://127.0.0.1:1/x",
        "headers": {"Authorization": "Bearer ${FUZZ_KEY:-k-123456789}"},
        "body": {"message": "{{ input.message }}"},
        "response": {"output": "output", "model": "model", "input_tokens": "usage.input_tokens"},
        "timeout_s": 1,
        "retries": 0,
        "concurrency": 2,
    },
    "goldens": ["goldens/"],
    "scorers_dir": None,
    "gate": {"max_drop": 0.02, "min_pass_rate": {"overall": 0.5}, "critical_tags": ["critical"]},
    "reports": {"dir": "runs"},
}
GOLDEN: dict[str, Any] = {
    "dataset": "fuzz",
    "defaults": {"tags": ["t"], "metadata": {"tenant": "acme"}},
    "cases": [
        {
            "id": "refund",
            "input": {"message": "refund?"},
            "expect": [{"contains": "echo"}, {"regex": "r.f"}, {"max_latency_ms": 5000}],
            "tags": ["critical"],
        },
        {
            "id": "tools",
            "input": {"message": "close 1"},
            "expect": [{"tool_call": {"name": "close", "called": False}}, {"refusal": False}],
            "repeat": 2,
        },
        {
            "id": "turns",
            "turns": [{"input": {"message": "a"}}, {"input": {"message": "b"}, "expect": ["x"]}],
        },
    ],
}
GOLDEN["cases"][2]["turns"][1]["expect"] = [{"icontains": "ECHO"}]


def _write_project(root: Path, url: str) -> None:
    cfg = json.loads(json.dumps(CONFIG))
    cfg["target"]["url"] = url
    (root / "evalgate.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    (root / "goldens").mkdir(exist_ok=True)
    (root / "goldens" / "cases.yaml").write_text(yaml.safe_dump(GOLDEN, sort_keys=False))


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A project with two stored runs and a baseline, made once against a healthy server."""
    root = tmp_path_factory.mktemp("seed")
    with FaultServer() as srv:
        _write_project(root, srv.url("/ok"))
        assert cli(["run", "--out", "runs/a", "-q", "--no-gate"], root).code == 0
        assert cli(["run", "--out", "runs/b", "-q", "--no-gate"], root).code == 0
    r = cli(["baseline", "record", "runs/a", "--prompt-version", "v1"], root)
    assert r.code == 0, r.err
    yield root


class Workspace:
    """A fresh copy of the seeded project for every example (examples share the fixture)."""

    def __init__(self, seeded: Path, tmp: Path) -> None:
        self.seeded, self.path = seeded, tmp / "p"

    def fresh(self) -> Path:
        shutil.rmtree(self.path, ignore_errors=True)
        shutil.copytree(self.seeded, self.path)
        return self.path


@pytest.fixture()
def ws(seeded: Path, tmp_path: Path) -> Workspace:
    return Workspace(seeded, tmp_path)


# -- config and goldens through validate ----------------------------------------------------


@FUZZ
@given(st.data())
def test_config_files(ws: Workspace, data: st.DataObject) -> None:
    work = ws.fresh()
    if data.draw(st.booleans(), "text damage"):
        text = data.draw(damaged_text(yaml.safe_dump(CONFIG, sort_keys=False)))
    else:
        text = yaml.safe_dump(data.draw(hand_edits(CONFIG)), sort_keys=False, allow_unicode=True)
    (work / "evalgate.yaml").write_text(text, encoding="utf-8")
    cli(["validate"], work).assert_clean({0, 2})


@FUZZ
@given(st.data())
def test_golden_files(ws: Workspace, data: st.DataObject) -> None:
    work = ws.fresh()
    if data.draw(st.booleans(), "text damage"):
        text = data.draw(damaged_text(yaml.safe_dump(GOLDEN, sort_keys=False)))
    else:
        text = yaml.safe_dump(data.draw(hand_edits(GOLDEN)), sort_keys=False, allow_unicode=True)
    (work / "goldens" / "cases.yaml").write_text(text, encoding="utf-8")
    res = cli(["validate"], work)
    res.assert_clean({0, 2})
    if res.code == 2:
        assert "goldens/cases.yaml:" in res.out + res.err  # located: file:line:col


# -- baselines through baseline show / list -------------------------------------------------


@FUZZ
@given(st.data())
def test_baseline_files(ws: Workspace, data: st.DataObject) -> None:
    work = ws.fresh()
    path = work / ".evalgate" / "baselines" / "v1.json"
    doc = json.loads(path.read_text())
    kind = data.draw(st.sampled_from(["text", "edit", "version"]), "kind")
    if kind == "text":
        text = data.draw(damaged_text(path.read_text()))
    elif kind == "version":
        text = dump_json({**doc, "format_version": data.draw(st.one_of(st.integers(), st.text()))})
    else:
        text = dump_json(data.draw(hand_edits(doc)))
    path.write_text(text, encoding="utf-8")
    for args in (["baseline", "show", "v1"], ["baseline", "list"]):
        cli(args, work).assert_clean({0, 2})


# -- stored runs through report / compare / rescore -----------------------------------------

COMMANDS = {
    "report": (["report", "runs/b", "-q"], {0, 2}),
    "compare": (["compare", "runs/a", "runs/b", "-q"], {0, 1, 2, 3}),
    "rescore": (["rescore", "runs/b", "--out", "runs/c", "-q"], {0, 1, 2, 3}),
}


def _damage_results(text: str, data: st.DataObject) -> str:
    lines = text.splitlines(keepends=True)
    i = data.draw(st.integers(0, len(lines) - 1), "line")
    kind = data.draw(st.sampled_from(["torn-middle", "edit", "version", "junk"]), "kind")
    if kind == "torn-middle":
        lines[i] = lines[i][: data.draw(st.integers(0, len(lines[i]) - 2))] + "\n"
    elif kind == "junk":
        lines.insert(i, data.draw(st.text(max_size=30)).replace("\n", " ") + "\n")
    else:
        doc = json.loads(lines[i])
        if kind == "version":
            doc["format_version"] = data.draw(st.one_of(st.integers(), st.text(), st.none()))
        else:
            doc = data.draw(hand_edits(doc))
        lines[i] = json.dumps(doc) + "\n"
    return "".join(lines)


@FUZZ
@given(st.data())
def test_results_files(ws: Workspace, data: st.DataObject) -> None:
    work = ws.fresh()
    path = work / "runs" / "b" / "results.jsonl"
    path.write_text(_damage_results(path.read_text(), data), encoding="utf-8")
    name = data.draw(st.sampled_from(sorted(COMMANDS)), "command")
    args, allowed = COMMANDS[name]
    cli(args, work).assert_clean(allowed)


@FUZZ
@given(st.data())
def test_summary_files(ws: Workspace, data: st.DataObject) -> None:
    work = ws.fresh()
    path = work / "runs" / "b" / "summary.json"
    if data.draw(st.booleans(), "text damage"):
        text = data.draw(damaged_text(path.read_text()))
    else:
        text = dump_json(data.draw(hand_edits(json.loads(path.read_text()))))
    path.write_text(text, encoding="utf-8")
    name = data.draw(st.sampled_from(sorted(COMMANDS)), "command")
    args, allowed = COMMANDS[name]
    cli(args, work).assert_clean(allowed)
