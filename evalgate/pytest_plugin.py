"""The pytest plugin: goldens as test items, judged by the gate.

Off unless asked for: ``pytest --evalgate`` (or ``evalgate = true`` in the ini file), and
only when the config (``--evalgate-config``, default ``evalgate.yaml`` in the rootdir)
exists. Without that, this module adds two options and nothing else: evalgate itself is not
even imported.

Each golden case becomes an item (its id is the case id; failures point at the golden's
file:line). The first item runs the eval once, through the same engine as ``evalgate run``,
for the cases pytest selected (``-k`` works); each item then reports its case. A case that
failed inside what the gate tolerates is shown as ``xfailed``; the gate's verdict decides the
session's exit status (1 blocked, 2 a scorer or config problem, 3 inconclusive).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from evalgate.engine.core import EvalResult
    from evalgate.model import Case
    from evalgate.project import Project

_STATE = pytest.StashKey["_Eval"]()
_MAX_COST = pytest.StashKey["float | None"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("evalgate", "evalgate goldens")
    group.addoption(
        "--evalgate",
        action="store_true",
        default=None,
        help="Collect the goldens of evalgate.yaml as tests and gate the session.",
    )
    group.addoption(
        "--evalgate-config",
        default=None,
        metavar="FILE",
        help="The evalgate config (default: evalgate.yaml in the rootdir).",
    )
    group.addoption(
        "--evalgate-record-baseline",
        action="store_true",
        default=False,
        help="Record the goldens' run as the baseline of its promptVersion (as evalgate run).",
    )
    group.addoption(
        "--evalgate-max-cost",
        default=None,
        metavar="USD",
        help="Stop the run when its cost (target and LLM judge) reaches USD (0 or none: no"
        " limit). Default: target.max_cost_usd.",
    )
    group.addoption(
        "--evalgate-no-judge-cache",
        action="store_true",
        default=False,
        help="Ask the LLM judge again instead of reusing cached verdicts.",
    )
    parser.addini("evalgate", "Collect evalgate goldens (true/false).", type="bool", default=False)


def _config_path(config: pytest.Config) -> Path | None:
    enabled = config.getoption("evalgate") or config.getini("evalgate")
    if not enabled:
        return None
    given = config.getoption("evalgate_config")
    path = Path(given) if given else config.rootpath / "evalgate.yaml"
    if not path.is_absolute():
        path = config.rootpath / path
    return path if path.is_file() else None


class _Eval:
    """The session's one eval: loaded at collection, run by the first item."""

    def __init__(
        self,
        project: Project | None,
        record: bool = False,
        max_cost_usd: float | None = None,
        judge_cache: bool = True,
    ) -> None:
        self.project = project
        self.record = record
        self.max_cost_usd = max_cost_usd
        self.judge_cache = judge_cache
        self.selected: list[str] = []
        self.prefix = ""  # node ids of the golden items start with this
        self.result: EvalResult | None = None
        self.error: BaseException | None = None

    def run(self) -> EvalResult:
        if self.result is None and self.error is None:
            from evalgate.api import run

            assert self.project is not None
            try:
                self.result = run(
                    self.project,
                    cases=self.selected,
                    record_baseline=self.record,
                    max_cost_usd=self.max_cost_usd,
                    judge_cache=self.judge_cache,
                )
            except BaseException as exc:  # reported by every item, and by the exit status
                self.error = exc
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


class GoldensCollector(pytest.Collector):
    """The goldens of one evalgate config."""

    def __init__(self, *, project: Project, **kw: Any) -> None:
        super().__init__(**kw)
        self.project = project

    def collect(self) -> Iterator[GoldenItem]:
        for case in self.project.goldens.cases:
            if not case.pending:
                yield GoldenItem.from_parent(self, name=case.id, case=case)


class GoldenItem(pytest.Item):
    """One golden case; passes when its case passed the run."""

    def __init__(self, *, case: Case, **kw: Any) -> None:
        super().__init__(**kw)
        self.case = case
        for tag in case.tags:
            self.add_marker(marker_name(tag))

    def runtest(self) -> None:
        result = self.session.stash[_STATE].run()
        mine = [r for r in result.results if r.case_id == self.case.id and not r.confirmation]
        if not mine:
            raise GoldenFailure(self.case, "no result (the run stopped before this case)")
        blocking = _blocking(result).get(self.case.id)
        failed = [r for r in mine if r.status in ("failed", "error")]
        if blocking:
            raise GoldenFailure(self.case, _detail(mine, blocking))
        if failed:
            if result.verdict is None or result.exit_code != 0:
                raise GoldenFailure(self.case, _detail(mine, []))
            pytest.xfail("failed, within what the gate tolerates: " + _detail(mine, []))
        if all(r.status == "skipped" for r in mine):
            pytest.skip("skipped in the goldens")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, GoldenFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return Path(self.case.file), max(self.case.line - 1, 0), f"golden {self.case.id}"


def marker_name(tag: str) -> str:
    """A golden tag as a pytest marker (``-m billing``): word characters only."""
    name = re.sub(r"\W", "_", tag)
    return name if name and not name[0].isdigit() else f"tag_{name}"


class ProjectProblem(pytest.Item):
    """The project could not be loaded: fails with every problem, file:line first."""

    def runtest(self) -> None:
        raise self.session.stash[_STATE].error or RuntimeError("the project did not load")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        return str(excinfo.value)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, "evalgate project"


class GoldenFailure(Exception):
    def __init__(self, case: Case, detail: str) -> None:
        super().__init__(f"{case.file}:{case.line}: golden case {case.id!r}: {detail}")


def _blocking(result: EvalResult) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if result.verdict is None:
        return out
    for reason in result.verdict.reasons:
        if reason.blocking:
            for cid in reason.cases:
                out.setdefault(cid, []).append(reason.message)
    return out


def _detail(results: list[Any], reasons: list[str]) -> str:
    lines = [f"gate: {m}" for m in reasons]
    for r in results:
        if r.error:
            lines.append(f"repeat {r.repeat}: error: {r.error}")
        for s in r.scores:
            if not s.passed:
                lines.append(f"repeat {r.repeat}: {s.scorer}: {s.reason or 'failed'}")
    return "\n  ".join(lines) or "failed"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    path = _config_path(config)
    if path is None:
        return
    from evalgate.api import load_project
    from evalgate.cli.cmd_judge import judge_cache_on
    from evalgate.errors import EvalgateError

    try:
        project = load_project(path)
    except EvalgateError as exc:  # broken config, goldens or scorers: one failing item, exit 2
        broken = _Eval(None)
        broken.error = exc
        session.stash[_STATE] = broken
        items.append(ProjectProblem.from_parent(session, name=path.name, nodeid=path.name))
        return
    session.stash[_STATE] = _Eval(
        project,
        config.getoption("evalgate_record_baseline"),
        config.stash.get(_MAX_COST, None),
        judge_cache_on(bool(config.getoption("evalgate_no_judge_cache"))),
    )
    for tag in sorted({t for c in project.goldens.cases for t in c.tags}):
        config.addinivalue_line("markers", f"{marker_name(tag)}: golden cases tagged {tag!r}")
    collector = GoldensCollector.from_parent(
        session, name=path.name, nodeid=path.name, project=project
    )
    session.stash[_STATE].prefix = collector.nodeid + "::"
    items.extend(collector.collect())


def pytest_configure(config: pytest.Config) -> None:
    """``--evalgate-max-cost`` is read as ``--max-cost`` is; a bad amount is a usage error."""
    given = config.getoption("evalgate_max_cost", None)
    if given is None:
        return
    from evalgate.cli.cmd_run import parse_cost

    try:
        config.stash[_MAX_COST] = parse_cost(str(given))
    except ValueError as exc:
        raise pytest.UsageError(str(exc).replace("--max-cost", "--evalgate-max-cost")) from None


def pytest_collection_finish(session: pytest.Session) -> None:
    state = session.stash.get(_STATE, None)
    if state is not None:
        state.selected = [i.case.id for i in session.items if isinstance(i, GoldenItem)]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = session.stash.get(_STATE, None)
    if state is None:
        return
    if state.error is not None:
        session.exitstatus = int(getattr(state.error, "exit_code", 4))
        return
    if state.result is None:
        return
    code = int(state.result.exit_code)
    if code != 0:
        session.exitstatus = code
    elif exitstatus == pytest.ExitCode.TESTS_FAILED and not _other_failures(session, state):
        session.exitstatus = pytest.ExitCode.OK


def _other_failures(session: pytest.Session, state: _Eval) -> bool:
    """Whether a test other than a golden failed (then the session fails whatever the gate)."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return True
    failed = reporter.stats.get("failed", []) + reporter.stats.get("error", [])
    return any(not r.nodeid.startswith(state.prefix) for r in failed)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    session = terminalreporter._session
    state = session.stash.get(_STATE, None) if session is not None else None
    if state is None or state.result is None:
        return
    result = state.result
    terminalreporter.section("evalgate")
    v = result.verdict
    terminalreporter.write_line(
        f"gate: {v.status if v else 'not gated'} (exit {int(result.exit_code)});"
        f" run folder {result.run_dir}"
    )
    for reason in v.reasons if v else ():
        terminalreporter.write_line(f"  - {reason.kind}: {reason.message}")
