"""The Python API: load a project and run its eval from code, as ``evalgate run`` does.

::

    import evalgate

    project = evalgate.load_project("evalgate.yaml")
    result = evalgate.run(project, tags=["smoke"])
    if not result.passed:
        print(result.exit_code, [r.message for r in result.verdict.reasons])

Nothing is printed: the result carries the results, the summary (as in ``summary.json``),
the verdict and the exit status ``evalgate run`` would end with. Problems raise the
exceptions of :mod:`evalgate.errors`, each with its ``exit_code``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from evalgate.engine.core import EvalResult, Hooks, RunOptions, run_eval
from evalgate.engine.selection import Selection
from evalgate.errors import UsageError
from evalgate.project import Project, load_checked_project

DEFAULT_CONFIG = Path("evalgate.yaml")


def load_project(
    config: str | Path = DEFAULT_CONFIG,
    *,
    goldens: Sequence[str | Path] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Project:
    """Load ``evalgate.yaml``, its custom scorers and its goldens.

    ``goldens``: golden files or folders instead of the config's. ``environ``: where
    ``${VAR}`` values come from (default: ``os.environ``). Every problem found (in the
    config, a golden file, a scorer) raises one :class:`~evalgate.errors.ConfigError` listing
    them all, as ``evalgate validate`` shows them.
    """
    path = Path(config)
    if path.is_dir():
        path = path / DEFAULT_CONFIG
    return load_checked_project(
        path, goldens=[Path(g) for g in goldens] if goldens else None, environ=environ
    )


def run(
    project: Project | str | Path = DEFAULT_CONFIG,
    *,
    tags: Iterable[str] = (),
    cases: Iterable[str] = (),
    repeat: int | None = None,
    shard: tuple[int, int] | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    gate: bool = True,
    baseline: str | None = None,
    prompt_version: str | None = None,
    record_baseline: bool = False,
    promote: bool = False,
    concurrency: int | None = None,
    run_budget_s: float | None = None,
    max_cost_usd: float | None = None,
    judge_cache: bool = True,
    write_reports: bool = True,
    hooks: Hooks | None = None,
) -> EvalResult:
    """Run the goldens against the target, score them, gate against the baseline.

    The same run as ``evalgate run`` with the same options (``shard`` is ``(index, count)``
    with a 0-based index; ``resume`` finishes the interrupted run in ``out``). The run folder
    and reports are written as by the command; the returned :class:`EvalResult` says how
    it ended (``exit_code``, ``passed``). ``hooks`` show progress (see :class:`Hooks`).
    ``max_cost_usd`` overrides target.max_cost_usd (0: no limit); ``judge_cache=False`` asks
    the LLM judge again (``--no-judge-cache``), for this run only.
    """
    if not isinstance(project, Project):
        project = load_project(project)
    if isinstance(tags, str) or isinstance(cases, str):
        raise UsageError("tags= and cases= take lists of strings, e.g. tags=['smoke']")
    if repeat is not None and repeat < 1:
        raise UsageError(f"repeat={repeat}: run every case at least once")
    if shard is not None and not (shard[1] >= 1 and 0 <= shard[0] < shard[1]):
        raise UsageError(f"shard={shard}: expected (index, count) with 0 <= index < count")
    if resume and out is None:
        raise UsageError("resume=True needs out= naming the interrupted run's folder")
    options = RunOptions(
        selection=Selection(tuple(tags), tuple(cases), shard, repeat),
        out=Path(out) if out is not None else None,
        resume=resume,
        concurrency=concurrency,
        gate=gate,
        baseline=baseline,
        prompt_version=prompt_version,
        record_baseline=record_baseline,
        promote=promote,
        write_reports=write_reports,
        run_budget_s=run_budget_s,
        max_cost_usd=max_cost_usd,
        judge_cache=judge_cache,
    )
    return run_eval(project, options=options, hooks=hooks)
