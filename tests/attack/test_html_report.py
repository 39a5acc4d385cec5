"""The installed ``evalgate`` writes the HTML page of a run whose answers are hostile (text that
would close the data block, line separators, non-ASCII, an answer over the page's cap, a
secret from the environment echoed back) as the general way makes it: the page written at the
end of ``run`` is byte for byte the page ``evalgate report`` writes from the run folder (here
in-process) and the page the old whole-document renderer made, and no secret reaches it."""

from __future__ import annotations

from evalgate.cli.main import main
from evalgate.report.htmlline import repeat_text
from evalgate.report.view import RunView
from evalgate.results import read_results
from tests.attack.conftest import Project
from tests.report import legacy
from tests.support.faultserver import FaultServer

SECRET = "sk-attack-html-7a1f9e3c55"
MESSAGES = {
    "script": "</script><script>window.__pwned=1</script><!-- & -->",
    "separators": 'line\u2028para\u2029tab\there "quoted" back\\slash',
    "unicode": "ünïcödé 😀 — 日本語",
    "huge": "x" * 25_000,
    "leak": f"my token is {SECRET}",
}


def test_the_page_of_hostile_answers_is_the_general_ways(
    project: Project, srv: FaultServer
) -> None:
    project.write_config(
        {
            "url": srv.url("/echo"),
            "headers": {"Authorization": "Bearer ${API_TOKEN}"},
            "body": {"message": "{{ input.message }}"},
            "response": {"output": "output"},
        },
        reports={"dir": "runs", "html": "report.html"},
    )
    expect = [{"contains": "echo"}]
    cases = [{"id": k, "input": {"message": m}, "expect": expect} for k, m in MESSAGES.items()]
    project.write_golden("g.yaml", {"dataset": "hostile", "cases": cases})
    env = {"API_TOKEN": SECRET}
    run = project.cli("run", "--out", "runs/r", env=env)
    assert run.code == 0, run.err
    run_dir = project.root / "runs" / "r"
    page = (run_dir / "report.html").read_bytes()
    # (in this process: the run above is the installed command's)
    assert main(["report", str(run_dir), "--html", str(project.root / "again.html"), "-q"]) == 0
    assert (project.root / "again.html").read_bytes() == page
    summary = RunView.load(run_dir).summary
    old = legacy.render_html(RunView.build(read_results(run_dir), summary, run_dir=run_dir))
    assert page == old.encode("utf-8")
    text = page.decode("utf-8")
    assert SECRET not in text and "${API_TOKEN}" in text  # masked where the answer echoed it
    assert text.count("</script>") == 2  # the data block's and the page script's own
    assert "\u2028" not in text and "…" in text  # escaped; the huge answer cut
    # every answer was shown from its stored line as it is, none rebuilt
    lines = (run_dir / "results.jsonl").read_bytes().splitlines(keepends=True)
    assert len(lines) == len(MESSAGES)
    assert all(repeat_text(raw) is not None for raw in lines)
