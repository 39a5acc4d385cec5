"""Golden loading's shortcuts through the installed command: a repeated expect list, a case
read plain until a late anchor or tag, and shared scorer records give what a case-by-case
reading without them gives, with every problem at its own line and column."""

from __future__ import annotations

from tests.attack.conftest import Project

URL = "http://127.0.0.1:9/never-called"
CASE = "  - id: c{i}\n    input: {{m: 'q {i}'}}\n    expect:\n      - contains: x\n"


def _located(res_json: dict[str, object]) -> list[tuple[int, int, str]]:
    problems = res_json["problems"]
    assert isinstance(problems, list)
    return [(p["line"], p["col"], p["message"]) for p in problems]


def test_a_repeated_expect_list_reports_each_cases_own_problem(project: Project) -> None:
    project.write_config({"url": URL})
    good = "".join(CASE.format(i=i) for i in range(200))  # lines 2..801
    bad = "  - id: b{i}\n    input: {{m: x}}\n    expect:\n      - contans: x\n"
    project.write_golden("g.yaml", "cases:\n" + good + bad.format(i=1) + bad.format(i=2))
    res = project.cli("validate", "--json")
    assert res.code == 2, res.out + res.err
    message = "unknown scorer 'contans' (did you mean 'contains'?)"
    assert _located(res.json()) == [(805, 9, message), (809, 9, message)]


def test_late_anchors_tags_and_problems_in_a_large_file(project: Project) -> None:
    project.write_config({"url": URL})
    cases = "".join(CASE.format(i=i) for i in range(500))  # lines 2..2001
    late = (
        "  - {id: a1, input: {m: x, n: &v y}, tags: [t]}\n"  # line 2002: plain until the anchor
        "  - {id: a2, input: {m: *v, k: !!str 12}}\n"  # an alias and a tag
        "  - {id: a3, input: {m: x, m: y}}\n"  # a duplicate key after them: line 2004, col 28
    )
    project.write_golden("g.yaml", "cases:\n" + cases + late)
    res = project.cli("validate", "--json")
    assert res.code == 2, res.out + res.err
    assert _located(res.json()) == [
        (2004, 28, "duplicate key 'm' (the later value would silently win; remove one)")
    ]
    project.write_golden("g.yaml", "cases:\n" + cases + late.replace("m: y}", "o: y}"))
    res = project.cli("validate", "--json")
    assert res.code == 0, res.out + res.err
    assert res.json()["cases"] == 503
