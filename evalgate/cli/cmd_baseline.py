"""``evalgate baseline list / show / record / promote``."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

import typer

from evalgate import masking
from evalgate.cli.common import CONFIG_OPTION, config_path
from evalgate.config.model import GateConfig
from evalgate.errors import ConfigError, InconclusiveError, UsageError
from evalgate.gate.answers import AnswerPicker, Redact, redactor
from evalgate.gate.baseline import Baseline, baseline_from_handed
from evalgate.gate.baseline_store import BaselineStore
from evalgate.gate.verdict import INCONCLUSIVE
from evalgate.results import (
    RESULTS_FILE,
    SUMMARY_FILE,
    CaseResult,
    iter_results,
)
from evalgate.results_compact import read_indexed
from evalgate.run_summary import RunSummary
from evalgate.runlock import ensure_idle
from evalgate.summary_outline import CaseIds, read_outline

DEFAULT_DIR = ".evalgate/baselines"

DIR_OPTION = typer.Option(
    None,
    "--baseline-dir",
    help=f"Baseline folder (default: gate.baseline_dir from the config, else {DEFAULT_DIR}).",
    show_default=False,
)
JSON_OPTION = typer.Option(False, "--json", help="Print JSON instead of a table.")
VERSION_ARG = typer.Argument(..., help="The prompt version.", show_default=False)
RUN_ARG = typer.Argument(
    ..., help="A run folder (results.jsonl + summary.json).", show_default=False
)
VERSION_OPTION = typer.Option(
    None, "--prompt-version", help="Record under this version (default: the served one)."
)
PROMOTE_OPTION = typer.Option(False, "--promote", help="Also mark it as production.")


def _configured_gate(config: Path) -> dict[str, Any]:
    return _configured_section(config, "gate")


def _redact_patterns(config: Path | None) -> dict[str, str]:
    """The config's ``redact.patterns`` (answers kept in a baseline are redacted with them)."""
    patterns = _configured_section(config_path(config), "redact").get("patterns")
    if not isinstance(patterns, dict):
        return {}
    return {str(k): v for k, v in patterns.items()}


def _configured_section(config: Path, name: str) -> dict[str, Any]:
    # A light read of one section of the config; the full loader (env interpolation,
    # validation) is not needed to find a folder, a threshold or a pattern.
    if not config.is_file():
        return {}
    import yaml  # only when a config exists: keeps '--help' fast

    try:
        data = yaml.safe_load(config.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    section = data.get(name) if isinstance(data, dict) else None
    return section if isinstance(section, dict) else {}


def _configured_dir(config: Path) -> Path | None:
    value = _configured_gate(config).get("baseline_dir")
    if not isinstance(value, str) or "${" in value:
        return None
    path = Path(value)
    return path if path.is_absolute() else config.parent / path


def _max_error_rate(config: Path | None) -> float:
    value = _configured_gate(config_path(config)).get("max_error_rate")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return GateConfig().max_error_rate


def _baseline_samples(config: Path | None) -> int:
    value = _configured_gate(config_path(config)).get("baseline_samples")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    return GateConfig().baseline_samples


def _max_age_days(config: Path | None) -> float:
    value = _configured_gate(config_path(config)).get("baseline_max_age_days")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return float(value)
    return GateConfig().baseline_max_age_days


def store_for(config: Path | None, baseline_dir: Path | None) -> BaselineStore:
    """The store named by ``--baseline-dir``, else the config's, else the default folder."""
    if baseline_dir is not None:
        return BaselineStore(baseline_dir)
    return BaselineStore(_configured_dir(config_path(config)) or Path(DEFAULT_DIR))


def _out(text: str) -> None:
    sys.stdout.write(masking.scrub(text) + "\n")


def _note(text: str) -> None:
    sys.stderr.write(masking.scrub(text) + "\n")


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _require(store: BaselineStore, version: str) -> Baseline:
    found = store.load(version)
    if found is None:
        known = ", ".join(b.prompt_version for b in store.list()) or "none"
        raise UsageError(
            f"no baseline for prompt version {version!r} in {store.dir} (recorded: {known})"
        )
    return found


def _list(store: BaselineStore, as_json: bool) -> int:
    production = store.production()
    baselines = store.list()
    if as_json:
        doc: list[dict[str, Any]] = [
            {
                "prompt_version": b.prompt_version,
                "cases": len(b.cases),
                "mean_score": b.mean_score,
                "recorded_at": b.recorded_at,
                "run_id": b.run_id,
                "git_sha": b.git_sha,
                "production": b.prompt_version == production,
                "file": str(store.path_for(b.prompt_version)),
            }
            for b in baselines
        ]
        _out(json.dumps(doc, indent=2))
        return 0
    if not baselines:
        _note(f"no baselines in {store.dir}; record one with 'evalgate baseline record RUN'")
        return 0
    rows = [["VERSION", "CASES", "MEAN SCORE", "RECORDED AT", "PRODUCTION"]]
    rows += [
        [
            b.prompt_version,
            str(len(b.cases)),
            _score(b.mean_score),
            b.recorded_at,
            "*" if b.prompt_version == production else "",
        ]
        for b in baselines
    ]
    _out(_table(rows))
    return 0


def _show(store: BaselineStore, version: str, as_json: bool) -> int:
    b = _require(store, version)
    if as_json:
        _out(json.dumps(b.to_dict(), indent=2, sort_keys=True))
        return 0
    head = [
        f"prompt version  {b.prompt_version}"
        + ("  (production)" if store.production() == version else ""),
        f"recorded at     {b.recorded_at}",
        f"run             {b.run_id or '-'}",
        f"git sha         {b.git_sha or '-'}",
        f"evalgate        {b.evalgate_version or '-'}",
        f"cases           {len(b.cases)}, mean score {_score(b.mean_score)}",
        "",
    ]
    rows = [["CASE", "SCORE", "PASS RATE", "N", "DATASET", "TAGS"]]
    rows += [
        [cid, _score(c.score), f"{c.pass_rate:.0%}", str(c.n), c.dataset, ",".join(c.tags)]
        for cid, c in sorted(b.cases.items())
    ]
    _out("\n".join(head) + _table(rows))
    return 0


def _record(
    store: BaselineStore,
    run: Path,
    version: str | None,
    promote: bool,
    max_error_rate: float,
    max_samples: int = 1,
    redact: Redact | None = None,
) -> int:
    if not run.is_dir():
        raise UsageError(f"{run}: not a run folder; pass the folder 'evalgate run' wrote")
    ensure_idle(run)
    # the summary first, so that its text is let go before the results are held; a damaged
    # one is refused, naming the file (exit 2), after the results' own errors, as if read
    # after them; its per-case figures are not read
    outline: tuple[RunSummary, CaseIds] | ConfigError | None = None
    if (run / SUMMARY_FILE).exists():
        try:
            outline = _outlined(run)
        except ConfigError as exc:
            outline = exc
    # figures, and the answers kept, picked in the same pass
    picker = AnswerPicker(run / RESULTS_FILE, redact)
    results, offsets = read_indexed(run, picker.add)
    if not (run / SUMMARY_FILE).exists():
        raise UsageError(
            f"{run}: no {SUMMARY_FILE}: the run did not finish; finish it with"
            f" 'evalgate run --resume {run}', then record it"
        )
    if isinstance(outline, ConfigError):
        raise outline
    summary, listed = _outlined(run) if outline is None else outline  # None: written meanwhile
    del outline
    _check_recordable(run, results, summary, max_error_rate, listed)
    del listed
    errors = sum(1 for r in results if r.is_error)
    by_offsets = offsets is not None
    del offsets
    # the results are handed over: each case's are let go as its baseline case is made, and
    # the picker's choices once the answers are read
    handed = [results]
    del results
    baseline = baseline_from_handed(
        handed,
        summary,
        prompt_version=version,
        redact=redact,
        # a file read as text (no offsets): the picker saw part of it, the answers are read again
        answers_from=None if by_offsets else iter_results(run),
        answers=picker if by_offsets else None,
    )
    del picker, handed
    if summary.status == "fail":
        _note(
            "warning: this run failed its gate; recording it makes its regressions the new"
            " reference (cases that regressed will no longer be flagged)"
        )
    if errors:
        _note(f"warning: {errors} errored results are left out of the baseline")
    if not baseline.cases:
        raise ConfigError(f"{run}: no scored case to record; check the run's errors")
    version, count = baseline.prompt_version, len(baseline.cases)
    given = [baseline]  # handed over: its cases let go as the file's history grows
    del baseline
    path, grown = store.record_handed(given, max_samples)
    samples = grown.samples
    del grown
    _note(
        f"recorded baseline {version} ({count} cases) in {path}"
        f" ({samples} of at most {max_samples} runs in its history)"
    )
    if promote:
        store.promote(version)
        _note(f"promoted {version} to production")
    return 0


def _outlined(run: Path) -> tuple[RunSummary, CaseIds]:
    """The run's summary without its cases, and the ids of its cases, held compact: only
    :func:`_check_recordable` reads them, and the results are read while they are held."""
    summary = read_outline(run)
    return dataclasses.replace(summary, cases={}), CaseIds(summary.cases)


def _check_recordable(
    run: Path,
    results: list[CaseResult],
    summary: RunSummary,
    max_error_rate: float,
    listed: CaseIds,
) -> None:
    """Only a whole, judgeable run may become the reference every later run is gated against."""
    if summary.interrupted:
        raise UsageError(
            f"{run}: this run was interrupted, so cases are missing; finish it with"
            f" 'evalgate run --resume {run}', then record it"
        )
    status = summary.status
    too_many = summary.totals.error_rate > max_error_rate
    if summary.aborted or status == INCONCLUSIVE or (status is None and too_many):
        raise InconclusiveError(
            f"{run}: this run was inconclusive (the endpoint failed too often, or it could not"
            " be judged), so its figures are not a reference; fix the errors and run again"
        )
    ids = {r.case_id for r in results if not r.confirmation}
    if not listed.same(ids):
        raise ConfigError(
            f"{run}: {SUMMARY_FILE} and {RESULTS_FILE} do not describe the same cases"
            f" ({len(listed)} vs {len(ids)}); record a folder written by one 'evalgate run'"
        )


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Manage baselines (one per promptVersion).", no_args_is_help=True)
    app.add_typer(group, name="baseline")

    @group.command("list")
    def list_(
        as_json: bool = JSON_OPTION,
        config: Path | None = CONFIG_OPTION,
        baseline_dir: Path | None = DIR_OPTION,
    ) -> int:
        """List recorded baselines (* marks the production version)."""
        return _list(store_for(config, baseline_dir), as_json)

    @group.command("show")
    def show(
        version: str = VERSION_ARG,
        as_json: bool = JSON_OPTION,
        config: Path | None = CONFIG_OPTION,
        baseline_dir: Path | None = DIR_OPTION,
    ) -> int:
        """Show one baseline, case by case."""
        return _show(store_for(config, baseline_dir), version, as_json)

    @group.command("record")
    def record(
        run: Path = RUN_ARG,
        prompt_version: str | None = VERSION_OPTION,
        promote: bool = PROMOTE_OPTION,
        config: Path | None = CONFIG_OPTION,
        baseline_dir: Path | None = DIR_OPTION,
    ) -> int:
        """Record a baseline from a stored run."""
        store = store_for(config, baseline_dir)
        return _record(
            store,
            run,
            prompt_version,
            promote,
            _max_error_rate(config),
            _baseline_samples(config),
            redactor(_redact_patterns(config)),
        )

    @group.command("pull")
    def pull(
        github_artifact: str | None = typer.Option(
            None,
            "--github-artifact",
            metavar="NAME",
            help="The workflow artifact the run on the default branch uploaded its baselines as.",
        ),
        gitlab_artifact: str | None = typer.Option(
            None,
            "--gitlab-artifact",
            metavar="JOB",
            help="The GitLab job on the default branch that keeps the baselines as its artifact.",
        ),
        branch: str | None = typer.Option(
            None,
            "--branch",
            help="Take it from runs on this branch (default: the PR's or MR's target, else main).",
        ),
        max_age_days: float | None = typer.Option(
            None,
            "--max-age-days",
            help="Warn when the newest baseline is older than this"
            " (default: gate.baseline_max_age_days, 14).",
        ),
        config: Path | None = CONFIG_OPTION,
        baseline_dir: Path | None = DIR_OPTION,
    ) -> int:
        """Fetch the baselines the default branch's last run kept as a GitHub or GitLab artifact."""
        from evalgate.cli.baseline_pull import pull_artifact, pull_gitlab_artifact

        if (github_artifact is None) == (gitlab_artifact is None):
            raise UsageError("pass one of --github-artifact NAME or --gitlab-artifact JOB")
        store = store_for(config, baseline_dir)
        if max_age_days is None:
            max_age_days = _max_age_days(config)
        if gitlab_artifact is not None:
            return pull_gitlab_artifact(store.dir, gitlab_artifact, branch, max_age_days)
        assert github_artifact is not None
        return pull_artifact(store.dir, github_artifact, branch, max_age_days)

    @group.command("promote")
    def promote(
        version: str = VERSION_ARG,
        config: Path | None = CONFIG_OPTION,
        baseline_dir: Path | None = DIR_OPTION,
    ) -> int:
        """Mark a baseline as the production version (what 'auto' compares with)."""
        store = store_for(config, baseline_dir)
        _require(store, version)
        store.promote(version)
        _note(f"promoted {version} to production ({store.dir})")
        return 0
