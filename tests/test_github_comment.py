"""The action's PR-comment script (actions/github-script), run under Node the way github-script
runs it (an async function of ``require, github, context, core``), against a recording
stand-in for the GitHub API.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
MARKER = "<!-- evalgate-report -->"
LIMIT = 65536

HARNESS = r"""
const fs = require('fs');
const [scriptPath, scenarioPath] = process.argv.slice(2);
const scenario = JSON.parse(fs.readFileSync(scenarioPath, 'utf8'));
const calls = [];
const api = (name) => async (params) => {
  calls.push({ call: name, params });
  if (scenario.fail) throw new Error('Resource not accessible by integration');
  return { data: { html_url: 'https://github.example/c' } };
};
const github = {
  rest: { issues: {
    listComments: 'listComments', updateComment: api('update'), createComment: api('create'),
  } },
  paginate: async (endpoint, params) => {
    calls.push({ call: 'list', params });
    if (scenario.fail) throw new Error('Resource not accessible by integration');
    return scenario.comments;
  },
};
const log = (level) => (message) => calls.push({ call: level, message });
const core = { info: log('info'), warning: log('warning') };
const context = {
  repo: { owner: 'acme', repo: 'copilot' }, serverUrl: 'https://github.com', runId: 42,
  payload: { pull_request: { number: 7 } },
};
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
const body = fs.readFileSync(scriptPath, 'utf8');
const run = new AsyncFunction('require', 'github', 'context', 'core', body);
run(require, github, context, core).then(
  () => process.stdout.write(JSON.stringify(calls)),
  (err) => { console.error(err); process.exit(1); },
);
"""


@pytest.fixture(scope="module")
def node() -> str:
    found = shutil.which("node")
    if not found:
        pytest.skip("node is not installed")
    return found


def comment_script() -> str:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    (step,) = [s for s in action["runs"]["steps"] if "github-script" in s.get("uses", "")]
    return str(step["with"]["script"])


def post(
    node: str,
    tmp: Path,
    report: str | None,
    *,
    comments: list[dict[str, Any]] | None = None,
    fail: bool = False,
    code: str = "1",
) -> list[dict[str, Any]]:
    (tmp / "harness.js").write_text(HARNESS)
    (tmp / "script.js").write_text(comment_script())
    (tmp / "scenario.json").write_text(json.dumps({"comments": comments or [], "fail": fail}))
    env = {"PATH": str(Path(node).parent), "EVALGATE_EXIT_CODE": code, "EVALGATE_REPORT": ""}
    if report is not None:
        (tmp / "report.md").write_text(report, encoding="utf-8")
        env["EVALGATE_REPORT"] = str(tmp / "report.md")
    proc = subprocess.run(
        [node, "harness.js", "script.js", "scenario.json"],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 0, proc.stderr
    result: list[dict[str, Any]] = json.loads(proc.stdout)
    return result


def writes(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for c in calls if c["call"] in ("update", "create")]


def test_creates_the_comment_when_there_is_none(node: str, tmp_path: Path) -> None:
    report = f"{MARKER}\n**evalgate: FAILED**\n"
    others = [{"id": 1, "body": "looks good to me"}, {"id": 2, "body": None}]
    calls = post(node, tmp_path, report, comments=others)
    assert calls[0] == {
        "call": "list",
        "params": {"owner": "acme", "repo": "copilot", "issue_number": 7, "per_page": 100},
    }
    (w,) = writes(calls)
    assert w == {
        "call": "create",
        "params": {"owner": "acme", "repo": "copilot", "issue_number": 7, "body": report},
    }


def test_updates_the_comment_that_carries_the_marker(node: str, tmp_path: Path) -> None:
    old = [
        {"id": 1, "body": f"> {MARKER}\n> quoted by a reviewer"},
        {"id": 5, "body": f"{MARKER}\n**evalgate: passed**"},
    ]
    report = f"{MARKER}\n**evalgate: FAILED** again\n"
    (w,) = writes(post(node, tmp_path, report, comments=old))
    assert w["call"] == "update"
    assert w["params"] == {"owner": "acme", "repo": "copilot", "comment_id": 5, "body": report}


def test_a_report_without_the_marker_gets_one(node: str, tmp_path: Path) -> None:
    (w,) = writes(post(node, tmp_path, "**evalgate: passed**\n"))
    assert w["params"]["body"] == f"{MARKER}\n**evalgate: passed**\n"


def test_no_report_still_replaces_a_stale_comment(node: str, tmp_path: Path) -> None:
    old = [{"id": 9, "body": f"{MARKER}\n**evalgate: passed**"}]
    (w,) = writes(post(node, tmp_path, None, comments=old, code="2"))
    assert w["call"] == "update" and w["params"]["comment_id"] == 9
    body = w["params"]["body"]
    assert body.startswith(MARKER) and "exit code 2" in body
    assert "https://github.com/acme/copilot/actions/runs/42" in body


def test_long_reports_are_cut_at_a_line_and_fences_closed(node: str, tmp_path: Path) -> None:
    rows = "".join(f"| case-{i:05d} | failed | ☃ reason with ünïcode |\n" for i in range(200))
    report = f"{MARKER}\n**evalgate: FAILED**\n\n{rows}\n```diff\n" + "- a line\n" * 9000 + "```\n"
    assert len(report) > LIMIT
    (w,) = writes(post(node, tmp_path, report))
    body = w["params"]["body"]
    assert len(body) <= LIMIT
    assert body.startswith(f"{MARKER}\n**evalgate: FAILED**")
    assert body.count("```") % 2 == 0
    assert "truncated" in body and "actions/runs/42" in body
    kept = body[: body.index("\n\n_Report truncated")]
    assert report.startswith(kept.removesuffix("\n```"))  # whole lines, in order


def test_api_errors_become_a_warning(node: str, tmp_path: Path) -> None:
    calls = post(node, tmp_path, f"{MARKER}\nx\n", fail=True)
    assert writes(calls) == []
    (warning,) = [c for c in calls if c["call"] == "warning"]
    assert "Resource not accessible" in warning["message"]
