"""The GitHub Actions files (.github/, examples/, action.yml) parse and have the structure that
GitHub needs, with actions pinned and user-controlled values kept out of scripts.

These checks stand in for actionlint, which is a Go binary this test suite does not depend on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "action.yml"
CI = ROOT / ".github" / "workflows" / "ci.yml"
EXAMPLE = ROOT / "examples" / "github" / "evalgate.yml"
CANARY = ROOT / "examples" / "github" / "canary.yml"
INIT = ROOT / "evalgate" / "templates" / "init" / "workflows" / "evalgate.yml"  # `evalgate init`

YAML_FILES = sorted(
    p
    for folder in (ROOT / ".github", ROOT / "examples", INIT.parent)
    for p in folder.rglob("*")
    if p.suffix in (".yml", ".yaml")
)
WORKFLOWS = [
    p for p in YAML_FILES if "workflows" in p.parts or p.parent == ROOT / "examples" / "github"
]
# owner/repo[/path]@vN[.N[.N]] or @<40-hex sha>; branches such as @main are not pins.
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$")
# Expressions whose values a pull request author or the action's caller controls.
UNTRUSTED = re.compile(r"\$\{\{\s*(github\.event\.|github\.head_ref|inputs\.)")
ACTION_INPUT_REF = re.compile(r"\binputs\.([A-Za-z_][\w-]*)")
STEP_REF = re.compile(r"\bsteps\.([A-Za-z_][\w-]*)\.outputs\.([A-Za-z_][\w-]*)")


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(doc: dict[Any, Any]) -> Any:
    # YAML 1.1 reads the bare key `on` as the boolean True.
    return doc.get(True, doc.get("on"))


def all_steps(path: Path) -> Iterator[dict[str, Any]]:
    doc = load(path)
    if path == ACTION:
        yield from doc["runs"]["steps"]
        return
    for job in doc["jobs"].values():
        yield from job.get("steps", [])


def test_the_files_exist_and_are_found() -> None:
    assert {CI, EXAMPLE, CANARY} <= set(YAML_FILES)
    assert ACTION.is_file()


@pytest.mark.parametrize("path", [*YAML_FILES, ACTION], ids=lambda p: str(p.relative_to(ROOT)))
def test_parses_as_a_mapping(path: Path) -> None:
    assert isinstance(load(path), dict)


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: str(p.relative_to(ROOT)))
def test_workflow_structure(path: Path) -> None:
    doc = load(path)
    assert triggers(doc), f"{path.name}: no 'on' triggers"
    assert doc.get("permissions"), f"{path.name}: set minimal top-level permissions"
    jobs = doc["jobs"]
    assert isinstance(jobs, dict) and jobs
    for name, job in jobs.items():
        assert "runs-on" in job or "uses" in job, f"{path.name}: job {name} has no runs-on"
        for step in job.get("steps", []):
            assert ("uses" in step) != ("run" in step), f"{path.name}: {name}: {step}"


@pytest.mark.parametrize("path", [*WORKFLOWS, ACTION], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_action_is_pinned(path: Path) -> None:
    uses = [s["uses"] for s in all_steps(path) if "uses" in s]
    assert uses, f"{path.name}: expected at least one action"
    for ref in uses:
        if ref.startswith("./"):  # this repository's own action, at the same commit
            continue
        assert PINNED.match(ref), f"{path.name}: '{ref}' is not pinned to a version or sha"


@pytest.mark.parametrize("path", [*WORKFLOWS, ACTION], ids=lambda p: str(p.relative_to(ROOT)))
def test_no_untrusted_expression_in_scripts(path: Path) -> None:
    for step in all_steps(path):
        script = step.get("run") or (step.get("with") or {}).get("script") or ""
        assert not UNTRUSTED.search(script), (
            f"{path.name}: step '{step.get('name')}' interpolates a user-controlled value into"
            " its script; pass it through env"
        )


def test_action_scripts_contain_no_expressions_at_all() -> None:
    for step in all_steps(ACTION):
        script = step.get("run") or (step.get("with") or {}).get("script") or ""
        assert "${{" not in script, step["name"]


def test_action_is_composite_with_shells() -> None:
    doc = load(ACTION)
    assert doc["runs"]["using"] == "composite"
    for step in doc["runs"]["steps"]:
        if "run" in step:
            assert step.get("shell") == "bash", f"run step '{step['name']}' needs a shell"


def test_action_inputs_and_outputs() -> None:
    doc = load(ACTION)
    inputs = doc["inputs"]
    expected = {"config", "version", "args", "out", "comment", "record-baseline"}
    assert expected | {"commit-baseline", "baseline-artifact", "github-token"} <= set(inputs)
    assert inputs["config"]["default"] == "evalgate.yaml"
    # empty: the action's own checkout; a bare name would install another project
    assert inputs["version"]["default"] == "" and inputs["extras"]["default"] == ""
    assert inputs["out"]["default"] == ".evalgate/runs/ci"
    # Action inputs are strings; a YAML boolean default would arrive as 'true' anyway.
    assert all(isinstance(i.get("default", ""), str) for i in inputs.values())
    assert {"exit-code", "verdict", "run-dir"} <= set(doc["outputs"])


def test_action_references_only_declared_inputs_and_earlier_steps() -> None:
    doc = load(ACTION)
    text = ACTION.read_text(encoding="utf-8")
    referenced = set(ACTION_INPUT_REF.findall(text))
    assert referenced, "the action reads no inputs?"
    assert referenced <= set(doc["inputs"]), referenced - set(doc["inputs"])
    seen: set[str] = set()
    for step in doc["runs"]["steps"]:
        for sid, _ in STEP_REF.findall(yaml.safe_dump(step)):
            assert sid in seen, f"step '{step['name']}' reads steps.{sid} before it runs"
        if "id" in step:
            seen.add(step["id"])
    for name, out in doc["outputs"].items():
        (sid, _), *_ = STEP_REF.findall(out["value"])
        assert sid in seen, f"output {name} reads unknown step {sid}"


def test_action_uses_the_agreed_actions() -> None:
    uses = {s["uses"].split("@")[0]: s for s in all_steps(ACTION) if "uses" in s}
    assert {"actions/setup-python", "actions/upload-artifact", "actions/github-script"} <= set(uses)
    assert uses["actions/upload-artifact"]["if"].startswith("always()")
    assert uses["actions/github-script"]["if"].strip().startswith("always()")


def test_examples_pass_only_inputs_the_action_declares() -> None:
    inputs = set(load(ACTION)["inputs"])
    used = 0
    for path in WORKFLOWS:
        for step in all_steps(path):
            ref = step.get("uses", "")
            if ref == "./" or ref.startswith("OWNER/REPO@"):
                used += 1
                assert set(step.get("with") or {}) <= inputs, (path.name, step.get("with"))
    assert used >= 2


def test_ci_workflow_jobs() -> None:
    doc = load(CI)
    assert set(triggers(doc)) == {"push", "pull_request"}
    assert doc["permissions"] == {"contents": "read"}
    jobs = doc["jobs"]
    assert {"lint", "types", "tests", "demo"} <= set(jobs)
    lint = " ".join(s.get("run", "") for s in jobs["lint"]["steps"])
    assert "ruff check" in lint and "ruff format --check" in lint
    assert any("mypy evalgate" in s.get("run", "") for s in jobs["types"]["steps"])
    assert any(s.get("run", "").strip() == "evalgate demo" for s in jobs["demo"]["steps"])

    matrix = jobs["tests"]["strategy"]["matrix"]
    # Quoted: unquoted versions would be read as floats.
    assert matrix["python-version"] == ["3.11", "3.12", "3.13"]
    browser_legs = [leg for leg in matrix["include"] if leg.get("browser")]
    assert len(browser_legs) == 1 and browser_legs[0]["python-version"] in matrix["python-version"]
    assert "matrix.browser" in jobs["tests"]["env"]["EVALGATE_REQUIRE_BROWSER"]
    chromium = [s for s in jobs["tests"]["steps"] if "apt-get install" in s.get("run", "")]
    assert len(chromium) == 1 and chromium[0]["if"] == "matrix.browser"
    assert "chromium" in chromium[0]["run"]


def test_examples_cover_pull_requests_baselines_and_canary() -> None:
    gate = load(EXAMPLE)
    assert {"pull_request", "push"} <= set(triggers(gate))
    withs = [s.get("with") or {} for s in all_steps(EXAMPLE) if "uses" in s]
    assert any(w.get("comment") == "true" for w in withs)
    records = [w for w in withs if w.get("record-baseline") == "true"]
    assert records and all(w.get("commit-baseline") == "true" for w in records)
    assert gate["jobs"]["baseline"]["permissions"] == {"contents": "write"}

    canary = load(CANARY)
    assert "schedule" in triggers(canary)
    cron = triggers(canary)["schedule"][0]["cron"]
    assert cron.split()[1:] == ["*", "*", "*", "*"], "hourly"
    runs = [s for s in all_steps(CANARY) if "evalgate canary" in s.get("run", "")]
    assert len(runs) == 1 and "--log-json -" in runs[0]["run"]
    assert "secrets.CANARY_WEBHOOK_URL" in runs[0]["env"]["CANARY_WEBHOOK_URL"]


class _CiLoader(yaml.SafeLoader):
    """YAML as CI files use it: also GitLab's ``!reference [job, key]`` (docs/ci.md has
    GitLab snippets too)."""


_CiLoader.add_constructor("!reference", lambda loader, node: loader.construct_sequence(node))


def test_docs_yaml_snippets_parse_and_keep_untrusted_values_out_of_scripts() -> None:
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 5
    for block in blocks:
        doc = yaml.load(block, Loader=_CiLoader)
        nodes = [doc]
        while nodes:  # every mapping with a `run:` anywhere in the snippet
            node = nodes.pop()
            if isinstance(node, dict):
                script = node.get("run")
                assert not (isinstance(script, str) and UNTRUSTED.search(script)), script
                nodes.extend(node.values())
            elif isinstance(node, list):
                nodes.extend(node)


def test_the_init_workflow_gates_pull_requests_and_keeps_the_baseline() -> None:
    assert INIT in WORKFLOWS
    doc = load(INIT)
    assert {"pull_request", "push"} <= set(triggers(doc))
    jobs = doc["jobs"]
    gate = [s for s in jobs["gate"]["steps"] if s.get("uses", "").startswith("OWNER/REPO@")]
    assert "pull_request" in jobs["gate"]["if"] and len(gate) == 1
    assert jobs["gate"]["permissions"]["pull-requests"] == "write"  # the sticky comment
    assert (gate[0].get("with") or {}).get("comment", "true") == "true"
    assert (gate[0].get("with") or {}).get("record-baseline", "false") == "false"
    base = [s for s in jobs["baseline"]["steps"] if s.get("uses", "").startswith("OWNER/REPO@")]
    assert "refs/heads/main" in jobs["baseline"]["if"] and len(base) == 1
    assert base[0]["with"]["record-baseline"] == "true"
    # kept as an artifact (protected branches need no bot commit); PRs pull the same name
    name = base[0]["with"]["baseline-artifact"]
    assert name and (gate[0].get("with") or {}).get("baseline-artifact") == name
    assert "commit-baseline" not in base[0]["with"]
    # reads the previous baseline artifact, whose history the new run extends; writes nothing
    assert jobs["baseline"]["permissions"] == {"contents": "read", "actions": "read"}
    assert jobs["gate"]["permissions"]["actions"] == "read"  # to list the artifacts
    # the action uploads the run folder (always) unless artifact-name is emptied
    for step in (gate[0], base[0]):
        assert (step.get("with") or {}).get("artifact-name", "evalgate-run") != ""
    assert not [
        s for job in jobs.values() for s in job["steps"] if "pip install" in s.get("run", "")
    ]
