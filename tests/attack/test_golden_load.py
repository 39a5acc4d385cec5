"""Large and hostile golden files through the installed command: accepted or refused clearly."""

from __future__ import annotations

import json

from tests.attack.conftest import Project

URL = "http://127.0.0.1:9/never-called"
BOMB_MESSAGE = (
    "document expands to too many values (YAML aliases?);"
    " write the values out instead of nesting aliases"
)


def _cases(n: int, extra: str = "") -> str:
    head = "dataset: d\ndefaults: {expect: &e [contains: x]}\ncases:\n"
    return head + "".join(f"  - {{id: c{i}, input: {{m: 'q {i}'}}{extra}}}\n" for i in range(n))


def _bomb(levels: int, indent: str) -> str:
    lines = [f'{indent}a0: &a0 ["lol"]']
    for i in range(1, levels):
        lines.append(f"{indent}a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]")
    return "\n".join(lines) + "\n"


def test_anchors_shared_by_every_case_are_accepted(project: Project) -> None:
    project.write_config({"url": URL})
    project.write_golden("g.yaml", _cases(1_000, ", expect: *e, metadata: {k: *e}"))
    res = project.cli("validate", "--json")
    assert res.code == 0, res.out + res.err
    assert res.json()["cases"] == 1_000


def test_a_billion_laughs_in_one_case_is_refused(project: Project) -> None:
    project.write_config({"url": URL})
    text = _cases(500) + "  - id: boom\n    input:\n" + _bomb(12, "      ")
    project.write_golden("g.yaml", text)
    res = project.cli("validate", timeout=30)
    assert res.code == 2, res.out + res.err
    assert res.out.strip() == f"goldens/g.yaml:1:1: {BOMB_MESSAGE}"
    run = project.cli("run", "-q", timeout=30)  # refused before any call, the same way
    assert run.code == 2 and BOMB_MESSAGE in run.err


def test_a_syntax_error_late_in_a_large_file_is_located(project: Project) -> None:
    project.write_config({"url": URL})
    project.write_golden("g.yaml", _cases(1_000) + "  - {id: z, input: [\n")
    res = project.cli("validate", "--json")
    assert res.code == 2
    problems = res.json()["problems"]
    assert [(p["file"], p["line"], p["message"]) for p in problems] == [
        ("goldens/g.yaml", 1_005, "invalid YAML: did not find expected node content")
    ], json.dumps(problems)
