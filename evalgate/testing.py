"""Goldens inside ordinary tests: score an answer you produced against a golden case.

::

    from evalgate.testing import assert_case

    def test_refund_answer():
        answer = my_app.answer("How do I get a refund?")
        assert_case("refund-policy", answer)  # the case's scorers, from goldens/

The case is looked up in the project (``evalgate.yaml`` in the current folder, or the one
given); its scorers are applied exactly as in a run. A failing case raises
``AssertionError`` naming the golden's file:line and every failed check.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from evalgate.model import Case, Response
from evalgate.project import Project
from evalgate.scoring import CaseScore, score_case

__all__ = ["assert_case", "case_score", "find_case"]


@lru_cache(maxsize=8)
def _project(config: str) -> Project:
    from evalgate.api import load_project

    return load_project(config)


def find_case(case_id: str, project: Project | str | Path = "evalgate.yaml") -> Case:
    """The golden case ``case_id`` of ``project`` (a loaded project or its config path)."""
    proj = project if isinstance(project, Project) else _project(str(Path(project).resolve()))
    for case in proj.goldens.cases:
        if case.id == case_id:
            return case
    import difflib

    near = difflib.get_close_matches(case_id, [c.id for c in proj.goldens.cases], n=1)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    raise LookupError(f"no golden case with id {case_id!r}{hint}")


def _response(answer: str | Response | Mapping[str, Any], project: Project | None) -> Response:
    if isinstance(answer, Response):
        return answer
    if isinstance(answer, str):
        return Response(output=answer)
    if project is None:
        raise TypeError("a response document needs the project, to map it as target.response")
    from evalgate.target.mapping import ResponseMapper, Timing
    from evalgate.target.presets import apply_preset

    target = apply_preset(project.config.target)
    mapper = ResponseMapper(target.response, project.config.pricing)
    return mapper.map_json(dict(answer), Timing(latency_ms=0.0, status_code=200))


def case_score(
    case_id: str,
    answer: str | Response | Mapping[str, Any],
    project: Project | str | Path = "evalgate.yaml",
) -> CaseScore:
    """Score ``answer`` (the output text, a :class:`Response`, or the target's response
    document, mapped by ``target.response``) with the case's scorers."""
    proj = project if isinstance(project, Project) else _project(str(Path(project).resolve()))
    case = find_case(case_id, proj)
    if case.is_multi_turn:
        raise ValueError(f"{case.file}:{case.line}: {case_id!r} is multi-turn; run it instead")
    return score_case(case, [_response(answer, proj)])


def assert_case(
    case_id: str,
    answer: str | Response | Mapping[str, Any],
    project: Project | str | Path = "evalgate.yaml",
) -> CaseScore:
    """Like :func:`case_score`; raise ``AssertionError`` unless the case passes."""
    proj = project if isinstance(project, Project) else _project(str(Path(project).resolve()))
    case = find_case(case_id, proj)
    cs = case_score(case_id, answer, proj)
    if cs.error is not None:
        raise AssertionError(f"{case.file}:{case.line}: {case_id}: a scorer failed: {cs.error}")
    if not cs.passed:
        raise AssertionError(failure_text(case, cs))
    return cs


def failure_text(case: Case, cs: CaseScore) -> str:
    """``file:line: case: score`` and one line per failed check."""
    lines = [f"{case.file}:{case.line}: golden case {case.id!r} failed (score {cs.score:.2f})"]
    for r in cs.records:
        if not r.passed:
            lines.append(f"  - {r.scorer}: {r.reason or 'failed'}")
    if case.threshold is not None and cs.score < case.threshold:
        lines.append(f"  - score {cs.score:.2f} is below the case's threshold {case.threshold}")
    return "\n".join(lines)
