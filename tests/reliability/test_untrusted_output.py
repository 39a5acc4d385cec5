"""Untrusted text at run level: model answers and golden text that try to start GitHub workflow
commands, or to inject markup into the markdown/HTML/JUnit reports, stay inert."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.reliability.conftest import FaultProject, unique

# the fault server answers "echo: <message>": the message is the model answer's payload
HOSTILE = (
    "fine\n::set-output name=approved::true\n::error::injected\n"
    "  ::add-mask::x\n##[error]fake\n::stop-commands::tok\r\n"
    "<script>alert(1)</script> <img src=x onerror=alert(2)> | a | b |\n"
    "[click](javascript:alert(3)) ]]> <!-- -->\n```\n<script>alert(4)</script>\n~~~~"
)
# evalgate's own annotation lines, and nothing else, may start with "::"
OWN = re.compile(r"^::(error|warning|notice) (file=goldens/cases\.yaml,line=\d+|title=)[^:]*::")


def test_hostile_answers_and_golden_text_start_no_command(
    fp: FaultProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    step = fp.root / "step.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step))
    fp.write(
        {"hostile": f"/ok?key={unique('x')}", "calm": f"/ok?key={unique('y')}"},
        extra={"reports": {"dir": "runs", "junit": "j.xml", "markdown": "r.md", "html": "r.html"}},
    )
    golden = yaml.safe_load((fp.root / "goldens" / "cases.yaml").read_text())
    golden["cases"][0]["input"]["message"] = HOSTILE
    # golden text is untrusted too: the expected string lands in the failure reason
    golden["cases"][0]["expect"] = [{"contains": "::error::from-golden\n::set-output x"}]
    golden["cases"][1]["expect"] = [{"contains": "<b>nope</b>\n::warning::golden"}]
    (fp.root / "goldens" / "cases.yaml").write_text(yaml.safe_dump(golden))
    ran = fp.run("r")
    assert ran.code == 1, ran.err  # both cases fail: the hostile text is in the reasons
    stored = ran.results["hostile"].response
    assert stored is not None and "::set-output" in (stored.output or "")  # kept as data
    printed = (ran.out + ran.err).splitlines()
    own = [line for line in printed if OWN.match(line)]
    at_lines = [line for line in own if " file=" in line]
    assert len(at_lines) == 2  # one annotation per failed case, each exactly one line
    for line in printed:
        stripped = line.lstrip()
        assert not stripped.startswith("##["), line
        assert not stripped.startswith("::") or OWN.match(line), line
    for line in own:  # the message part holds no raw newline or a second command
        assert "\r" not in line
    for md in ((fp.root / "r" / "r.md").read_text(), step.read_text()):
        assert "::set-output" in md  # the answer is shown...
        prose = _outside_code_fences(md)  # ...but only inside code blocks it cannot close
        for raw in ("<script>", "<img", "<b>nope</b>", "](javascript:"):
            assert raw not in prose, raw
        assert not [x for x in prose.splitlines() if x.lstrip().startswith(("::", "##["))]
    html = (fp.root / "r" / "r.html").read_text()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    junit = (fp.root / "r" / "j.xml").read_text()
    assert "<script>" not in junit and "]]>" not in junit.replace("]]]]><![CDATA[>", "")


def test_hostile_case_ids_are_refused_where_they_become_paths(fp: FaultProject) -> None:
    fp.write({"../../etc/passwd": f"/ok?key={unique('p')}"})
    ran = fp.run("r")
    # either refused as a golden problem, or run with the id kept as data, never a path
    assert ran.code in (0, 2), ran.err
    assert not (fp.root.parent.parent / "etc" / "passwd").exists()
    assert "Traceback" not in ran.err


def test_no_stray_files_outside_the_project(fp: FaultProject) -> None:
    before = set(Path(fp.root.parent).iterdir())
    fp.write({"a": f"/ok?key={unique('a')}"})
    assert fp.run("r").code == 0
    assert set(Path(fp.root.parent).iterdir()) == before


def _outside_code_fences(md: str) -> str:
    """The markdown a renderer treats as markup: everything outside fenced code blocks."""
    out: list[str] = []
    fence: str | None = None
    for line in md.splitlines():
        m = re.match(r"^ {0,3}(`{3,}|~{3,})", line)
        if fence is None and m:
            fence = m.group(1)
        elif (
            fence is not None
            and m
            and m.group(1)[0] == fence[0]
            and len(m.group(1)) >= len(fence)
            and not line.strip().strip(fence[0])
        ):
            fence = None
        elif fence is None:
            out.append(line)
    return "\n".join(out)


def test_markdown_code_blocks_cannot_start_workflow_commands() -> None:
    from evalgate.report.mdsafe import code_block

    block = code_block("fine\n::error::pwned\n::set-output name=x::y\n##[group]x")
    assert not any(line.startswith(("::", "##[")) for line in block.splitlines())
